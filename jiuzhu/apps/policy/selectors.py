"""The parameters in force: shipped YAML plus approved revisions."""

from __future__ import annotations

import threading
from typing import Any

from jiuzhu.rules.params import ParameterSet, load_jiangxi

from .models import ParameterRevision, RevisionStatus

_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "params": None}


def current_parameters() -> ParameterSet:
    """The base tree with every approved revision added (cached until a revision is approved)."""
    approved = ParameterRevision.objects.filter(status=RevisionStatus.APPROVED)
    key = (approved.count(), approved.order_by("-decided_at").values_list("id", flat=True).first())
    with _lock:
        if _cache["key"] != key:
            base = load_jiangxi()
            entries = [r.as_entry() for r in approved.order_by("id")]
            _cache["params"] = base.with_revisions(entries) if entries else base
            _cache["key"] = key
        return _cache["params"]  # type: ignore[no-any-return]

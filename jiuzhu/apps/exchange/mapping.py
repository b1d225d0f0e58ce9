"""Departments' own column names (issue 14 item 8): saved once, used by every later file.

A department writes 医疗总费用 where the feed says 总费用, 结算时间 for 结算日期, and keeps a
备注 column the platform does not take.  Its mapping (header as written → field, or ignore)
is saved per (feed, department) by a user of that department, by the province for any, or by
an operator with ``jiuzhu mapping set``; the upload page, the API and ``jiuzhu import`` read
it (:func:`mapping_for`).  Every change is audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.rules.exchange.sources import DEPARTMENTS, SOURCES, Source, header_key
from jiuzhu.rules.text import normalise_text

from .models import ColumnMapping

MAP_COLUMNS = "map_columns"
# What "ignore this column" may be written as on the command line (列名= or 列名=-).
IGNORE_WORDS = frozenset({"", "-", "_", "ignore", "忽略", "(ignore)", "none", "null"})


def can_map(actor: Any, department: str) -> bool:
    """Department users their own department's feeds; the province any; the command line any."""
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.has_capability(MAP_COLUMNS)):
        return False
    return bool(actor.role != Role.DEPARTMENT or actor.department == department)


def mappable_sources(actor: Any) -> list[Source]:
    """The feeds whose mapping *actor* may see and edit."""
    return [s for s in SOURCES.values() if can_map(actor, s.department)]


def mapping_for(source_key: str, department: str | None = None) -> dict[str, str | None]:
    """The saved mapping of a feed for a department (default: the feed's own department):
    header as written → field name, or None for an ignored column."""
    source = SOURCES[source_key]
    rows = ColumnMapping.objects.filter(source=source.key, department=department or source.department)
    return {m.header: (m.field or None) for m in rows}


def mapping_digest(mapping: Mapping[str, str | None]) -> str:
    """A short fingerprint of a mapping (a preview is recomputed when it changed)."""
    text = json.dumps(sorted((header_key(k), v or "") for k, v in mapping.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def parse_field(source: Source, text: str) -> str | None:
    """The field a mapping entry names (by name or Chinese label), or None for "ignore"."""
    t = normalise_text(text)
    if t.casefold() in IGNORE_WORDS:
        return None
    for f in source.fields:
        if t == f.name or t == normalise_text(f.label_zh):
            return f.name
    raise ValidationError(_("%(field)s is not a field of this data source.") % {"field": t[:40]},
                          code="unknown_field")


def _check(actor: Any, source_key: str, department: str) -> Source:
    source = SOURCES.get(source_key)
    if source is None:
        raise Http404(source_key)
    if department not in DEPARTMENTS:
        raise ValidationError(_("Unknown department."), code="unknown_department")
    if department != source.department:
        raise ValidationError(_("This data source is sent by another department."), code="wrong_department")
    if not can_map(actor, department):
        audit("exchange.mapping_denied", actor=actor, object_type="source", object_id=source.key,
              outcome="denied", department=department)
        raise PermissionDenied(MAP_COLUMNS)
    return source


def mapping_set(actor: Any, source_key: str, department: str, entries: Mapping[str, str | None],
                replace: bool = False) -> dict[str, str | None]:
    """Save column names of *department* for a feed: header → field (or None: ignore).

    With *replace* the saved mapping becomes exactly *entries*; otherwise each entry is added
    or changed.  Refused (nothing saved) when a header is blank, a field is unknown, or two
    headers would feed one field.  Returns the mapping now in force.
    """
    source = _check(actor, source_key, department)
    cleaned: dict[str, tuple[str, str | None]] = {}
    for header, name in entries.items():
        text = normalise_text(header)[:100]
        if not header_key(text):
            raise ValidationError(_("A column name is empty."), code="blank_header")
        if name is not None and name not in source.field_names:
            raise ValidationError(_("%(field)s is not a field of this data source.") % {"field": name[:40]},
                                  code="unknown_field")
        cleaned[header_key(text)] = (text, name)
    with transaction.atomic():
        rows = ColumnMapping.objects.select_for_update().filter(source=source.key, department=department)
        current = {m.header_key: m for m in rows}
        final = {} if replace else {k: (m.header, m.field or None) for k, m in current.items()}
        final.update(cleaned)
        targets = [name for _h, name in final.values() if name]
        if len(targets) != len(set(targets)):
            raise ValidationError(_("Two columns are mapped to the same field."), code="duplicate_field")
        for key, old in current.items():
            if key not in final:
                old.delete()
        for key, (text, name) in final.items():
            m = current.get(key)
            if m is None:
                ColumnMapping.objects.create(source=source.key, department=department, header=text, header_key=key,
                                             field=name or "", updated_by=_user(actor))
            elif (m.header, m.field) != (text, name or ""):
                m.header, m.field, m.updated_by = text, name or "", _user(actor)
                m.save(update_fields=["header", "field", "updated_by", "updated_at"])
        audit("exchange.mapping_set", actor=actor, object_type="source", object_id=source.key,
              department=department, replace=replace,
              entries={text: name or "" for text, name in final.values()})
    return {text: name for text, name in final.values()}


def mapping_clear(actor: Any, source_key: str, department: str, headers: list[str] | None = None) -> int:
    """Remove saved column names (all, or those in *headers*); returns how many."""
    source = _check(actor, source_key, department)
    with transaction.atomic():
        qs = ColumnMapping.objects.filter(source=source.key, department=department)
        if headers:
            qs = qs.filter(header_key__in=[header_key(h) for h in headers])
        n, _deleted = qs.delete()
        audit("exchange.mapping_cleared", actor=actor, object_type="source", object_id=source.key,
              department=department, removed=n, headers=headers or [])
    return n


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "pk", None) else None

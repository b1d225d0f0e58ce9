"""Public notices (公示) and the objections received during them (seed (11); policy notes §2.1).

- **Where.** A notice is posted on the public page of the village where the household is
  registered and — when it lives in another village (人户分离, 赣民规字〔2022〕6号) — also on the
  page of the village where it lives.  The residence is recorded when the notice starts.
- **When.** Every notice runs for CONFIG days (``applications.notice_days``, 7) from its first
  day and is gone from the public pages the day after its last; a re-publication after a
  re-investigation starts a new period.
- **Objections.** An objection received during the period is recorded against the case: by a
  caseworker of the region (who), on which day it was received and when recorded (when), how
  and in which village it came in, and what it says (content).  Jiangxi holds a democratic
  appraisal (民主评议) only on an objection backed by facts or evidence: such an objection moves
  the case to objection handling through the workflow's ``object`` step (the appraisal is due
  within CONFIG working days after the notice ends); one without substance is recorded and the
  notice goes on.

Only the whitelisted fields of ``notice_entry`` are ever shown on a public page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.rules.determination.codes import CATEGORY_LABELS

from .models import Application, Objection, State
from .workflow import PROCESS, ApplicationError


def today() -> dt.date:
    return timezone.localdate()


def _current_village(code: Any) -> Region | None:
    code = str(code or "").strip()
    if not code:
        return None
    return Region.objects.filter(code=code, level="village", valid_to__isnull=True).first()


def set_residence(app: Application, data: dict[str, Any]) -> None:
    """The village where the household lives, when it differs from where it is registered (人户分离).

    ``data["residence_village"]``: a current village code; empty = lives where registered."""

    if "residence_village" not in data:
        return
    code = str(data.get("residence_village") or "").strip()
    if not code or code == app.village_id:
        app.residence_village = None
        return
    village = _current_village(code)
    if village is None:
        raise ApplicationError("residence", _("Choose the village (community) where the household lives."))
    app.residence_village = village


def boards(app: Application) -> list[Region]:
    """The villages whose public page carries this notice: registration, and residence if different."""
    out = [app.village]
    if app.residence_village_id and app.residence_village_id != app.village_id:
        out.append(app.residence_village)  # type: ignore[arg-type]
    return out


def mask_head(name: str) -> str:
    """张三 → 张*; 欧阳小明 → 欧**明: the first character (and last of long names) only."""
    name = name.strip()
    if len(name) <= 2:
        return name[:1] + "*" * max(len(name) - 1, 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def notice_entry(app: Application, board: Region | None = None) -> dict[str, Any]:
    """The ONLY fields a public notice shows (公示白名单): masked head name, people, categories, amount,
    the village(s), the period.  On the residence village's board the entry says where the household
    is registered."""
    head = app.household.members.filter(relation="head").values_list("name", flat=True).first() or app.applicant_name
    separated = bool(app.residence_village_id and app.residence_village_id != app.village_id)
    return {
        "head": mask_head(head),
        "people": app.household.members.count(),
        "amount": app.proposed_amount,
        "categories": [CATEGORY_LABELS[c][0] for c in app.proposed_categories if c in CATEGORY_LABELS],
        "village": app.village.name,
        "township": app.township.name,
        "residence": (f"{app.residence_village.parent.name if app.residence_village.parent else ''}"  # type: ignore[union-attr]
                      f"{app.residence_village.name}") if separated else "",  # type: ignore[union-attr]
        "on_residence_board": separated and board is not None and board.code == app.residence_village_id,
        "notice_start": app.notice_start,
        "notice_end": app.notice_end,
    }


def current_notices(village: Region, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The notices running on ``on`` (today) on the village's board: registered or living there."""
    on = on or today()
    qs = (Application.objects.filter(Q(village=village) | Q(residence_village=village),
                                     state__in=(State.NOTICE, State.OBJECTION), notice_start__lte=on,
                                     notice_end__gte=on)
          .select_related("household", "village", "township", "residence_village__parent")
          .order_by("notice_start", "id"))
    return [notice_entry(a, village) for a in qs]


# ------------------------------------------------------------------ objections

def new_objection(app: Application, actor: User, on: dt.date, summary: str, data: dict[str, Any],
                  substantiated: bool) -> Objection:
    """An objection of the running notice (inside the caller's transaction, the row locked)."""

    received = data.get("received_on") or on
    if isinstance(received, str):
        try:
            received = dt.date.fromisoformat(received)
        except ValueError:
            raise ApplicationError("received_on", _("Enter a valid date.")) from None
    if not summary.strip():
        raise ApplicationError("reason", _("Give the content of the objection."))
    if app.notice_start is None or app.notice_end is None or not (app.notice_start <= received <= app.notice_end):
        raise ApplicationError("notice_over", _("Only objections received during the notice period (%(start)s – "
                                                "%(end)s) are recorded here.")
                               % {"start": app.notice_start, "end": app.notice_end})
    if received > on:
        raise ApplicationError("received_on", _("The day received cannot be later than today."))
    channel = str(data.get("channel") or "in_person")
    if channel not in dict(Objection.CHANNELS):
        raise ApplicationError("channel", _("Choose a valid option."))
    where = str(data.get("received_in") or "registered")
    if where not in ("registered", "residence") or (where == "residence" and not app.residence_village_id):
        where = "registered"
    return Objection.objects.create(application=app, received_on=received, summary=summary.strip()[:1000],
                                    substantiated=substantiated, recorded_by=actor, channel=channel,
                                    received_in=where, recorded_at=timezone.now())


def objection_record(*, actor: User, application: Application, summary: str, substantiated: bool,
                     data: dict[str, Any] | None = None, on: dt.date | None = None,
                     expected_version: int | None = None) -> Objection:
    """Record an objection received during the notice (the one entry point of the screens).

    With substance (facts or evidence) the case goes to objection handling and democratic appraisal
    (the workflow's ``object`` step); a further objection while that runs, or one without substance,
    is recorded on the case and the procedure goes on."""
    from . import services  # deferred: the workflow steps (services) use the notices

    on = on or today()
    data = dict(data or {})
    if substantiated and application.state == State.NOTICE:
        app = services.act(actor=actor, application=application, action="object", reason=summary,
                           expected_version=expected_version, on=on, data={**data, "substantiated": True})
        return app.objections.order_by("-pk").first()  # type: ignore[return-value]
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied(PROCESS)
    if not region_in_scope(actor, application.village_id):
        raise Http404
    try:
        with transaction.atomic():
            app = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
            if expected_version is not None and app.version != int(expected_version):
                raise ConflictError()
            if app.state not in (State.NOTICE, State.OBJECTION):
                raise services.ApplicationError("illegal", _("Objections are recorded while the public notice "
                                                             "runs."))
            obj = new_objection(app, actor, on, summary, data, substantiated)
            app.version += 1
            app.save(update_fields=["version", "updated_at"])
            audit("applications.objection", actor=actor, object_type="application", object_id=app.pk,
                  objection=obj.pk, substantiated=substantiated, channel=obj.channel, received_in=obj.received_in)
            return obj
    except services.ApplicationError as err:
        audit("applications.objection", actor=actor, object_type="application", object_id=application.pk,
              outcome="refused", code=err.code)
        raise

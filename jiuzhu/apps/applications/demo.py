"""Demo applications in every state (idempotent), walked through the real services with past dates."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.demo_accounts import DEMO_PASSWORD
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.services import user_create
from jiuzhu.apps.registry.models import Household
from jiuzhu.pii.crypto import blind_index, encrypt_field
from jiuzhu.rules.calendar import default_calendar

from . import notices, public, services
from .models import Application, PublicIntake, StaffRelative

log = logging.getLogger(__name__)
MARK = "【演示】"
# The states to show, in walking order: each entry walks one household to that state.
PLAN = ["submitted", "missing", "accepted", "checked", "visited", "opinion", "notice", "objection", "appraised",
        "approved", "refused", "refused_late", "withdrawn", "overdue"]
WALK = ["accept", "check", "visit", "opinion", "publish"]


def _users() -> tuple[Any, Any, Any, Any] | None:
    township, county = User.objects.filter(username="township").first(), User.objects.filter(username="county").first()
    if township is None or county is None or township.region_id is None:
        return None

    def second(name: str, like: Any, full: str) -> Any:
        user = User.objects.filter(username=name).first()
        return user or user_create(actor=None, username=name, password=DEMO_PASSWORD, role=like.role,
                                   region=like.region, full_name=full)

    return township, second("township2", township, "乡镇经办员（二）"), county, second("county2", county, "县级审核员")


def demo_step() -> str:
    if Application.objects.filter(reason__startswith=MARK).exists():
        return "applications: demo applications already present"
    users = _users()
    if users is None:
        return "applications: no demo users; skipped"
    township, township2, county, county2 = users
    cal = default_calendar()
    today = timezone.localdate()
    households = (Household.objects.filter(township_id=township.region_id)
                  .exclude(applications__isnull=False).order_by("code")[:60])
    made: dict[str, int] = {}
    pool = iter(households)
    for target in PLAN:
        for household in pool:
            try:
                with transaction.atomic():
                    _walk(target, household, (township, township2, county, county2), cal, today)
                made[target] = made.get(target, 0) + 1
                break
            except Exception as exc:  # noqa: BLE001 - this household does not fit: try the next one
                log.info("demo application for %s skipped: %s", household.code, exc)
    _relative(township, pool)
    _intake(township)
    return f"applications: {sum(made.values())} demo applications in states {', '.join(sorted(made))}"


def _walk(target: str, household: Household, users: tuple[Any, Any, Any, Any], cal: Any, today: dt.date) -> None:
    township, township2, county, county2 = users
    # Start far enough back for the notice to be over where the target needs it.
    back = {"notice": 5, "objection": 8, "overdue": 45}.get(target, 20)
    start = cal.add_working_days(today - dt.timedelta(days=back * 2), 0)
    full = target not in ("missing",)
    app = services.create_application(
        actor=township, household=household, channel=["desk", "hotline", "on_behalf", "desk"][len(target) % 4],
        reason=f"{MARK}家庭收入低，申请救助", hotline_ref="12345-DEMO" if len(target) % 4 == 1 else "",
        agent_name="村委会" if len(target) % 4 == 2 else "", agent_relation="代为申请" if len(target) % 4 == 2 else "",
        documents=["id_card", "income_declaration", "relationship_proof"] if full else ["id_card"],
        authorisation_ref="授权书-DEMO" if full else "", on=start)
    if target == "submitted":
        return
    if target == "missing":
        services.act(actor=township, application=app, action="notify_missing", on=start)
        return
    if target == "withdrawn":
        services.act(actor=township, application=app, action="withdraw", reason="申请人撤回", on=start)
        return
    day = start
    stop = {"accepted": 1, "overdue": 1, "checked": 2, "visited": 3, "opinion": 4}.get(target, 5)
    for i, action in enumerate(WALK[:stop]):
        data: dict[str, Any] = {}
        reason = ""
        if action == "visit":
            data = {"staff_2": township2.pk, "applicant_signed": True, "findings": "入户核实，住房简陋"}
            if app.related_to_staff:
                continue
        if action == "opinion":
            reason = "经调查符合条件" if not target.startswith("refused") else "家庭收入超过标准"
            data = {"proposal": "refuse" if target.startswith("refused") else "approve"}
        if action == "publish" and target.startswith("refused"):
            break
        if action == "publish" and target == "notice":  # 人户分离: lives in another township's village
            data = {"residence_village": _elsewhere(household)}
        app = services.act(actor=township, application=app, action=action, reason=reason, data=data, on=day)
        day = cal.add_working_days(day, 1 if i < 3 else 0)
    if target == "overdue":
        return
    if target.startswith("refused"):
        services.act(actor=county, application=app, action="refuse", reason="家庭人均收入高于低保标准", on=day)
        if target == "refused":
            services.act(actor=township, application=app, action="send_letter", on=cal.add_working_days(day, 1))
        return
    if target == "notice":  # an objection without substance: recorded, the notice goes on
        notices.objection_record(actor=township, application=app, summary="群众电话反映该户子女在外务工，未提供依据",
                                 substantiated=False, data={"channel": "phone", "received_in": "residence"},
                                 on=app.notice_start)
        return
    if target in ("objection", "appraised"):
        app = services.act(actor=township, application=app, action="object", reason="群众反映有经营收入",
                           data={"substantiated": True}, on=day)
        if target == "appraised":
            services.act(actor=township, application=app, action="resolve", reason="民主评议：异议不成立",
                         on=app.notice_end + dt.timedelta(days=1))
        return
    if target == "approved":
        services.act(actor=county, application=app, action="approve", on=app.notice_end + dt.timedelta(days=1))


def _elsewhere(household: Household) -> str:
    """A village of another township of the same county (where a separated household lives)."""
    village = (Region.objects.filter(level="village", valid_to__isnull=True, parent__parent_id=household.county_id)
               .exclude(parent_id=household.township_id).order_by("code").first())
    return village.code if village else ""


def _relative(township: Any, pool: Any) -> None:
    """A registered relative of a village cadre whose application is flagged (近亲属备案)."""
    household = next(pool, None)
    if household is None:
        return
    head = household.members.filter(relation="head").first()
    if head is None:
        return
    rel = StaffRelative(region_id=household.village_id, staff_kind="village_cadre", staff_name="村委委员（演示）",
                        relative_name=head.name, relation="兄弟", created_by=township,
                        relative_id_index=head.id_number_index, relative_id_masked=head.id_number_masked)
    rel.relative_id_enc = encrypt_field(keyring(), head.id_number_masked, table="applications_staffrelative",
                                        column="relative_id", row=str(rel.uid))  # demo: the masked form only
    rel.save()
    services.create_application(actor=township, household=household, channel="desk",
                                reason=f"{MARK}村干部近亲属申请", documents=["id_card"], on=timezone.localdate())


def _intake(township: Any) -> None:
    if PublicIntake.objects.exists():
        return
    village = Region.objects.filter(parent_id=township.region_id, level="village").order_by("code").first()
    if village is None:
        return
    intake = PublicIntake(village=village, applicant_name="王五", address="演示组8号", household_size=3,
                          reason=f"{MARK}丈夫患病，无固定收入", id_number_masked="360124********0035",
                          phone_masked="138****0000")
    intake.id_number_enc = encrypt_field(keyring(), "360124198505050033", table="applications_publicintake",
                                         column="id_number", row=str(intake.uid))
    intake.id_number_index = blind_index(keyring(), "360124198505050033", purpose="id_number")
    intake.phone_enc = encrypt_field(keyring(), "13800000000", table="applications_publicintake", column="phone",
                                     row=str(intake.uid))
    public._assign_receipt(intake)  # the receipt the resident would have been given

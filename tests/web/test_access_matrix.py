"""Generated access matrix: every URL pattern × every role (and anonymous) × a record inside and outside the role's region.

The expected answer is derived, not listed: anonymous → login (UI) or 401
(API); without the capability → 403; a record outside the user's region →
404; otherwise the URL's own success status.  `test_every_url_is_in_the_matrix`
fails when a URL pattern is added without an entry here.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiuzhu.apps.core.choices import CAPABILITIES
from tests.conftest import PASSWORD, ROLES
from tests.web.matrix_base import ANY, PUBLIC, Check, Entry

pytestmark = pytest.mark.django_db

V, E, X, U = "view_registry", "edit_registry", "export_registry", "unmask"
MATRIX: dict[str, Entry] = {
    "home": Entry(None, [Check("get", ANY, 200)]),
    "login": Entry(None, [Check("get", PUBLIC, 200)], authed=302),
    "logout": Entry(None, [Check("post", PUBLIC, 302)]),
    "set_language": Entry(None, [Check("post", PUBLIC, 302, {"language": "en"})]),
    "user_list": Entry(None, [Check("get", ("manage_accounts", "manage_roles"), 200)]),
    "user_role": Entry("user", [Check("get", "manage_roles", 200), Check("post", "manage_roles", 400)]),
    "audit_log": Entry(None, [Check("get", "read_audit", 200)]),
    "household_list": Entry(None, [Check("get", V, 200)]),
    "household_create": Entry(None, [Check("get", E, 200), Check("post", E, 400)]),
    # The export is asked for with a purpose on the privacy app's page (ADR 0025).
    "household_export": Entry(None, [Check("get", X, 302)]),
    "household_detail": Entry("household", [Check("get", V, 200), Check("get", V, 200, {"as_of": "2020-01-01"})]),
    "household_edit": Entry("household", [Check("get", E, 200), Check("post", E, 400)]),
    "household_chain_export": Entry("household", [Check("get", X, 200)]),
    "household_history": Entry("household", [Check("get", V, 200)]),
    "member_create": Entry("household", [Check("get", E, 200), Check("post", E, 400)]),
    "item_create": Entry("household", [Check("get", E, 200), Check("post", E, 400)], kwargs={"kind": "income"}),
    "member_edit": Entry("member", [Check("get", E, 200), Check("post", E, 400)]),
    "member_unmask": Entry("member", [Check("get", U, 200), Check("post", U, 400)]),
    "item_edit": Entry("item", [Check("get", E, 200), Check("post", E, 400)], kwargs={"kind": "income"}),
    "item_delete": Entry("item", [Check("post", E, 302)], kwargs={"kind": "income"}),
    "parameter_list": Entry(None, [Check("get", "edit_parameters", 200)]),
    "revision_list": Entry(None, [Check("get", "edit_parameters", 200), Check("post", "edit_parameters", 400)]),
    "revision_detail": Entry("revision", [Check("get", "edit_parameters", 200)]),
    "revision_decide": Entry("revision", [Check("post", "edit_parameters", 302, {"decision": "approve"})]),
    "household_determination": Entry("household", [Check("get", V, 200)]),
    "determination_runs": Entry(None, [Check("get", V, 200), Check("post", "run_determination", 302, {"as_of": "2026-11-01"})]),
    "api-determine": Entry(None, [Check("post", ANY, 400)], api=True),
    "api-schema": Entry(None, [Check("get", PUBLIC, 200)], api=True),
    "api-docs": Entry(None, [Check("get", PUBLIC, 200)], api=True),
    "api-household-list": Entry(None, [Check("get", V, 200, {"purpose": "case_handling"}), Check("post", E, 400)],
                                api=True),
    # Search in the body, never in the URL; an empty body is refused (400).
    "api-household-search": Entry(None, [Check("post", V, 400)], api=True),
    "api-household-chain": Entry("household", [Check("get", V, 200)], api=True),
    "api-household-determination": Entry("household", [Check("get", V, 200)], api=True),
    "api-household-detail": Entry("household", [Check("get", V, 200), Check("patch", E, 200)], api=True),
    "api-member-list": Entry(None, [Check("post", E, 400)], api=True),
    "api-member-detail": Entry("member", [Check("get", V, 200), Check("patch", E, 200)], api=True),
    "exchange_upload": Entry(None, [Check("get", "upload_data", 200), Check("post", "upload_data", 400)]),
    "exchange_batch_list": Entry(None, [Check("get", "view_exchange", 200)]),
    "exchange_batch_detail": Entry("batch", [Check("get", "view_exchange", 200)]),
    "exchange_batch_report": Entry("batch", [Check("get", "view_exchange", 200)]),
    # An empty JSON body is not a department file: a new batch, rejected as a whole (422).
    "api-exchange-import": Entry(None, [Check("post", "upload_data", 422)], api=True,
                                 kwargs={"source": "medical_insurance_settlements"}),
}

# Which roles' regions contain the "inside" (进贤县 民和镇) and "outside" (宁都县) households.
IN_SCOPE = {
    "inside": {"province", "city", "county", "township", "auditor"},
    "outside": {"province", "county_b", "auditor"},
}
# Import batches are scoped by department and uploader, not region: the "inside" batch is the
# medical-insurance department's own upload; the "outside" one a county caseworker's upload of
# a housing feed.  Department users see their department's batches, province-level users all,
# other caseworkers the batches they uploaded.
BATCH_SCOPE = {
    "inside": {"department", "province", "auditor"},
    "outside": {"county", "province", "auditor"},
}

SCOPED_TARGETS: tuple[str, ...] = ("household", "member", "item", "revision", "batch")
EXTRA_TARGETS: dict[str, Any] = {}
EXTRA_SCOPE: dict[str, dict[str, set[str]]] = {}


def _load_app_matrices() -> None:
    """Merge tests/web/matrix_<app>.py (see matrix_base)."""
    global SCOPED_TARGETS
    import tests.web

    for info in pkgutil.iter_modules(tests.web.__path__):
        if not info.name.startswith("matrix_") or info.name == "matrix_base":
            continue
        module = importlib.import_module(f"tests.web.{info.name}")
        clash = set(module.ENTRIES) & set(MATRIX)
        assert not clash, f"{info.name}: entries already in the matrix: {clash}"
        MATRIX.update(module.ENTRIES)
        EXTRA_TARGETS.update(getattr(module, "TARGETS", {}))
        EXTRA_SCOPE.update(getattr(module, "SCOPE", {}))
        SCOPED_TARGETS = (*SCOPED_TARGETS, *getattr(module, "REGION_TARGETS", ()), *getattr(module, "SCOPE", {}))


_load_app_matrices()


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            names += _walk(p.url_patterns)
        elif isinstance(p, URLPattern) and p.name:
            names.append(p.name)
        elif isinstance(p, URLPattern):
            names.append(f"<unnamed {p.pattern}>")
    return names


def test_every_url_is_in_the_matrix() -> None:
    names = set(_walk(get_resolver().url_patterns))
    # The router's format-suffix variants and the API root are not mounted (SimpleRouter).
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URL patterns missing from the access matrix: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def _has(role: str, cap: str | tuple[str, ...]) -> bool:
    caps = CAPABILITIES[ROLES[role]["role"]]
    return any(c in caps for c in ((cap,) if isinstance(cap, str) else cap))


def _expected(entry: Entry, check: Check, role: str | None, where: str) -> int:
    if role is None:
        if entry.anon is not None:
            return entry.anon
        if check.cap == PUBLIC:
            return check.ok
        return 401 if entry.api else 302
    if entry.authed is not None:
        return entry.authed
    if check.cap in (PUBLIC, ANY):
        return check.ok
    if not _has(role, check.cap):
        return 403
    if entry.target == "batch":
        return check.ok if role in BATCH_SCOPE[where] else 404
    if entry.target in EXTRA_SCOPE:
        return check.ok if role in EXTRA_SCOPE[entry.target][where] else 404
    if entry.target in SCOPED_TARGETS and role not in IN_SCOPE[where]:
        return 404
    return check.ok


def _target(entry: Entry, where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    h = households[where]
    if entry.target in EXTRA_TARGETS:
        return dict(EXTRA_TARGETS[entry.target](where, households, users))
    if entry.target == "revision":
        return {"pk": _revision(h.county_id).pk}
    if entry.target == "household":
        return {"pk": h.pk}
    if entry.target == "member":
        return {"pk": h.members.first().pk}
    if entry.target == "item":
        return {"pk": h.incomeitems.first().pk}
    if entry.target == "user":
        return {"pk": users["county"].pk}
    if entry.target == "batch":
        return {"pk": _batch(where, users).pk}
    return {}



def _batch(where: str, users: dict[str, Any]) -> Any:
    """An import batch with an error report (see BATCH_SCOPE)."""
    import uuid

    from jiuzhu.apps.exchange.models import ImportBatch
    from jiuzhu.apps.exchange.services import report_path
    from jiuzhu.engine.exchange import RowError, write_error_report

    source, department, uploader = (
        ("medical_insurance_settlements", "medical_insurance", users["department"]) if where == "inside"
        else ("housing_rent_subsidy", "housing", users["county"]))
    batch = ImportBatch.objects.create(
        source=source, department=department, content_hash=uuid.uuid4().hex * 2, state="committed",
        channel="ui", filename="f.csv", uploaded_by=uploader, error_report=f"{uuid.uuid4()}.xlsx", errors_total=1)
    path = report_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_error_report([RowError(None, 2, "身份证号", "required", "必填", "Required")], path)
    return batch


@pytest.fixture(autouse=True)
def _exchange_dir(settings: Any, tmp_path: Any) -> None:
    from jiuzhu.apps.exchange.scope import DEFAULT_COUNTY_FEEDS

    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")
    # The import API's entry posts a medical-insurance file: let counties send that feed here, so
    # the matrix checks the URL's access by capability (the feed list is tested in exchange_web).
    settings.JIUZHU_COUNTY_FEEDS = (*DEFAULT_COUNTY_FEEDS, "medical_insurance_settlements")


def _revision(county: str) -> Any:
    """A draft revision for the county, drafted by someone who is not one of the matrix roles."""
    import datetime as dt

    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.policy.models import ParameterRevision

    author = user_create(actor=None, username=f"drafter{county}", password=PASSWORD, role="county",
                         region=Region.objects.get(code=county))
    return ParameterRevision.objects.create(
        path="dibao.standard", region_id=county, area="rural", effective_from=dt.date(2030, 1, 1),
        value="999.00", reference="测试文号", created_by=author,
    )


CASES = [
    (name, role, where)
    for name, entry in MATRIX.items()
    for role in [None, *ROLES]
    for where in (["inside", "outside"] if entry.target in SCOPED_TARGETS else ["inside"])
]


def _answer(client: Any, entry: Entry, check: Check, url: str) -> Any:
    if check.method == "get":
        return client.get(url, check.data)
    if check.method == "post" and not entry.api:
        return client.post(url, check.data)
    return client.generic(check.method.upper(), url, json.dumps(check.data) if check.data else "{}",
                          content_type="application/json")


# One test per URL pattern with every (role, record) case of it inside: the registry and the users are
# made once per URL, and each case runs in a savepoint rolled back after it, so no case sees another's
# writes. (Made per case, the fixtures took four fifths of the suite's time on PostgreSQL.)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access(households: dict[str, Any], users: dict[str, Any], name: str) -> None:
    entry = MATRIX[name]
    wrong: list[str] = []
    cases = [(role, where) for n, role, where in CASES if n == name]
    for role, where in cases:
        with transaction.atomic():
            client = Client()
            if role is not None:
                assert client.login(username=role, password=PASSWORD)
            url = reverse(name, kwargs=entry.kwargs | _target(entry, where, households, users))
            for check in entry.checks:
                response = _answer(client, entry, check, url)
                expected = _expected(entry, check, role, where)
                if response.status_code != expected:
                    wrong.append(f"{check.method.upper()} {url} as {role or 'anonymous'} ({where}): "
                                 f"{response.status_code} != {expected}")
            transaction.set_rollback(True)
    assert cases and not wrong, "\n".join(wrong)

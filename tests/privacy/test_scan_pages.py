"""The scan of issue 12 item 1: every page, export and API response of a small demo, as each role.

A demo province (synthetic generator, department feeds, the determination, warnings, applications,
entitlements and a payroll: everything ``jiuzhu demo`` makes) is built once for the module.  Then
every URL pattern of the access matrix (tests/web) is requested as every role that may use it, on a
record inside and outside the role's region; every bulk export is made and downloaded; and each
response is checked (ADR 0024):

- no valid ID number in clear (also inside longer digit runs: certificate numbers), no 15-digit one;
- no ID number rebuilt from a masked fragment and the dates or digits on the same response
  (the registry and the departments' records are the oracle: only real numbers count);
- no mobile number in clear, and none of the registry's phones, bank accounts or certificate
  numbers in clear.

By design, and not scanned: the audited unmask (查看完整号码, a POST with a reason), a department's
export of its catalogue's conditionally shared items after a stated purpose (and approval above the
cap), and the county's bank file for the payroll.  The quick scan requests every URL pattern at
least once (the first role that may use it, inside); ``-m slow`` sweeps every role and both records.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from jiuzhu.pii.crypto import Keyring
from jiuzhu.pii.scan import find_id_numbers, find_legacy_id_numbers, find_mobiles, rebuild
from tests.conftest import ROLES
from tests.web.matrix_base import ANY, PUBLIC
from tests.web.test_access_matrix import MATRIX, SCOPED_TARGETS, _expected, _target

from .helpers import PURPOSE

HOUSEHOLDS = 150
TODAY = dt.date.today()
# The module's own keyring, in force from building the demo to the last test (see `_keyring` below).
KEYRING = Keyring.generate().to_json()


@pytest.fixture(autouse=True)
def _keyring() -> Any:
    """Replaces the suite's per-test keyring: the module's demo was encrypted once, with KEYRING."""
    yield


class World:
    """The demo, the users per matrix role, the oracle of identifiers, the cached URL targets."""

    def __init__(self, users: dict[str, Any], households: dict[str, Any], ids: set[str], secrets: set[str]) -> None:
        self.users, self.households, self.ids, self.secrets = users, households, ids, secrets
        self.targets: dict[tuple[str, str], dict[str, Any]] = {}
        self.pools: dict[str, list[Any]] = {}

    def target(self, name: str, where: str) -> dict[str, Any]:
        """The URL kwargs of the matrix's target, made on a demo household of the right region.

        The matrix makes its targets (an application, an enrolment …) on a fresh database; here the
        demo may already hold the same thing for a household, so the next household is tried.
        """
        entry = MATRIX[name]
        key = (entry.target or name, where)  # one object per kind of target, shared by its URLs
        if key not in self.targets:
            from jiuzhu.apps.applications.models import Application

            errors = []
            for household in self.pools[where]:
                Application.objects.filter(household=household).update(state="withdrawn")
                try:
                    with transaction.atomic():
                        self.targets[key] = _target(entry, where, {**self.households, where: household}, self.users)
                    break
                except Exception as exc:  # noqa: BLE001 - that household cannot carry it: the next one
                    errors.append(repr(exc))
            else:
                raise AssertionError(f"no demo household can carry {name} ({where}): {errors[:3]}")
        return entry.kwargs | self.targets[key]


def _build(var: Path) -> World:
    from jiuzhu.apps.core.demo_accounts import ensure_demo_users
    from jiuzhu.apps.core.hooks import DEMO_STEPS
    from jiuzhu.apps.core.keys import keyring
    from jiuzhu.apps.core.models import Region, User
    from jiuzhu.apps.core.services import regions_load, shipped_region_rows
    from jiuzhu.apps.exchange.models import DepartmentRecord
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.apps.registry.demo import add_demo_history
    from jiuzhu.apps.registry.models import Household, Member, Supporter
    from jiuzhu.cli import _import_feeds
    from jiuzhu.engine.synth import generate
    from jiuzhu.pii.crypto import decrypt_field

    regions_load(shipped_region_rows())
    with tempfile.TemporaryDirectory() as tmp:
        generate(HOUSEHOLDS, 2026, Path(tmp), as_of=dt.date(2026, 11, 1))
        load_province(Path(tmp))
        _import_feeds(Path(tmp))
    ensure_demo_users()
    for step in DEMO_STEPS:
        step.run()
    # Then the matrix roles' regions, around the county and township with the most households.
    county = max(Household.objects.values_list("county_id", flat=True).distinct(),
                 key=lambda c: Household.objects.filter(county_id=c).count())
    township = max(Household.objects.filter(county_id=county).values_list("township_id", flat=True).distinct(),
                   key=lambda t: Household.objects.filter(township_id=t).count())
    other = next(c for c in Household.objects.exclude(county_id=county).values_list("county_id", flat=True))
    city = Region.objects.get(code=county).parent_id
    for username, region in (("county", county), ("township", township), ("city", city), ("county_b", other),
                             ("county2", county), ("township2", township)):
        User.objects.filter(username=username).update(region_id=region)
    add_demo_history(User.objects.get(username="county"), county, households=5)
    from jiuzhu.apps.assistance.matching import run_matching

    run_matching(actor=None, as_of=TODAY)  # the people to serve, for every region and department
    names = {role: ("dept_medical" if role == "department" else role) for role in ROLES}
    users = {role: User.objects.get(username=name) for role, name in names.items()}
    in_town = Household.objects.filter(township_id=township).order_by("code")
    outside = Household.objects.filter(county_id=other).order_by("code")
    households = {"inside": in_town.first(),
                  "other_town": Household.objects.filter(county_id=county).exclude(township_id=township).first()
                  or in_town.last(),
                  "outside": outside.first()}
    ring = keyring()
    ids: set[str] = set()
    secrets: set[str] = set()
    for m in Member.objects.all():
        ids.add(decrypt_field(ring, m.id_number_enc, table="registry_member", column="id_number", row=str(m.uid)))
        for field in ("phone", "bank_account", "disability_cert_no"):
            token = getattr(m, f"{field}_enc")
            if token:
                secrets.add(decrypt_field(ring, token, table="registry_member", column=field, row=str(m.uid)))
    for s in Supporter.objects.exclude(id_number_enc=""):
        ids.add(decrypt_field(ring, s.id_number_enc, table="registry_supporter", column="id_number", row=str(s.uid)))
    for h in Household.objects.exclude(phone_enc=""):
        secrets.add(decrypt_field(ring, h.phone_enc, table="registry_household", column="phone", row=str(h.uid)))
    table = DepartmentRecord._meta.db_table
    for r in DepartmentRecord.objects.exclude(id_number_enc=""):
        ids.add(decrypt_field(ring, r.id_number_enc, table=table, column="id_number", row=str(r.uid)))
    world = World(users, households, ids, secrets)
    world.pools = {"inside": list(in_town), "outside": list(outside)}
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    from jiuzhu.apps.core.keys import keyring

    var = tmp_path_factory.mktemp("scan")
    with override_settings(JIUZHU_KEYRING_JSON=KEYRING, VAR_DIR=var, JIUZHU_EXCHANGE_DIR=str(var / "exchange"),
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                           JIUZHU_EXPORT_APPROVAL_ROWS=10**6):
        keyring.cache_clear()
        with django_db_blocker.unblock():
            with transaction.atomic():
                yield _build(var)
                transaction.set_rollback(True)  # the demo goes away with the module
        keyring.cache_clear()


# URL patterns no role reads without changing something (the download is scanned with the exports).
WRITES_ONLY = ("applications_review_done", "exchange_outbox_retry", "item_delete", "job_cancel", "job_retry", "logout",
               "monitoring_visit_autosave", "privacy_export_download", "reports_revision_effect", "revision_decide",
               "set_language", "user_active", "user_otp_reset")

_RUN = re.compile(r"[0-9]{11,}")


def leaks(text: str, world: World) -> list[str]:
    """Everything in `text` that shows or rebuilds an identifier (empty when the response is clean)."""
    out = [f"id {n}" for n in find_id_numbers(text)]
    out += [f"legacy id {n}" for n in find_legacy_id_numbers(text)]
    out += [f"rebuilt {n}" for n in rebuild(text, world.ids.__contains__, on=TODAY)]
    out += [f"mobile {n}" for n in find_mobiles(text)]
    for run in _RUN.findall(text):
        for width in {11, 16, 17, 18, 19, 20, len(run)}:
            for i in range(max(0, len(run) - width + 1)):
                if run[i:i + width] in world.secrets:
                    out.append(f"secret {run[i:i + width]}")
    return sorted(set(out))


def _text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype or body[:2] == b"PK":  # XLSX: the XML inside
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    if ctype.startswith("application/pdf"):
        return ""  # letters: the applications' own tests check their fields
    return body.decode("utf-8", "replace")


def _requests(name: str, role: str, where: str) -> list[tuple[str, dict[str, Any], int]]:
    """(method, data, expected status) of the matrix checks that read something as this role."""
    entry = MATRIX[name]
    out = []
    for check in entry.checks:
        expected = _expected(entry, check, role, where)
        if expected in (401, 403, 404) or check.cap == PUBLIC and role is None:
            continue
        # Only reads, and posts that are refused (they re-show a form): nothing here changes the demo.
        if check.method != "get" and expected < 400:
            continue
        out.append((check.method, check.data, expected))
    return out


def _request(client: Any, world: World, name: str, role: str, where: str) -> list[str]:
    entry = MATRIX[name]
    url = reverse(name, kwargs=world.target(name, where))
    client.force_login(world.users[role])
    found = []
    for method, data, _expected_status in _requests(name, role, where):
        if method == "get":
            response = client.get(url, data)
        elif not entry.api:
            response = client.post(url, data)
        else:
            response = client.generic(method.upper(), url, json.dumps(data) if data else "{}",
                                      content_type="application/json")
        assert response.status_code < 500, (name, role, where, response.status_code)
        found += [f"{method.upper()} {url} as {role}: {leak}" for leak in leaks(_text(response), world)]
    return found


def _cases_for(name: str, full: bool) -> list[tuple[str, str, str]]:
    entry = MATRIX[name]
    wheres = ["inside", "outside"] if entry.target in SCOPED_TARGETS and full else ["inside"]
    roles = [r for r in ROLES if any(_requests(name, r, w) for w in wheres)]
    if not full:
        roles = roles[:1]
    return [(name, r, w) for r in roles for w in wheres if _requests(name, r, w)]


def _cases(full: bool) -> list[tuple[str, str, str]]:
    return [case for name in MATRIX for case in _cases_for(name, full)]


def _sweep(world: World, full: bool) -> tuple[int, list[str]]:
    client = Client()
    found: list[str] = []
    cases = _cases(full)
    for name, role, where in cases:
        found += _request(client, world, name, role, where)
    return len(cases), found


@pytest.mark.django_db
def test_every_url_pattern_once_reveals_no_id(world: World) -> None:
    n, found = _sweep(world, full=False)
    unread = sorted(name for name in MATRIX if not _cases_for(name, full=False))
    # Only patterns that no role reads without changing something: logging out, switching language,
    # deciding a revision, working out its effect, retrying a push, starting a run, deleting an item, finishing a review,
    # (de)activating an account or resetting its two-factor device.
    assert unread == sorted(WRITES_ONLY), unread
    assert n == len(MATRIX) - len(WRITES_ONLY)
    assert found == []


@pytest.mark.slow
@pytest.mark.django_db
def test_every_url_as_every_role_reveals_no_id(world: World) -> None:
    _n, found = _sweep(world, full=True)
    assert found == []


@pytest.mark.django_db
def test_every_bulk_export_reveals_no_id(world: World) -> None:
    from jiuzhu.apps.privacy.exports import EXPORTS, may_request

    client = Client()
    made = set()
    for key, kind in EXPORTS.items():
        for role in ROLES:
            user = world.users[role]
            if not may_request(user, kind):
                continue
            client.force_login(user)
            start = client.get(reverse("privacy_export_new", kwargs={"kind": key}))
            assert start.status_code == 200 and not leaks(start.content.decode(), world)
            made_ = client.post(reverse("privacy_export_new", kwargs={"kind": key}), {"purpose": PURPOSE})
            if made_.status_code == 400:  # nothing to export for this role
                continue
            assert made_.status_code == 302, made_.content.decode()[:300]
            detail = client.get(made_["Location"])
            assert not leaks(detail.content.decode(), world)
            text = _text(client.get(made_["Location"] + "download/"))
            assert leaks(text, world) == [], (key, role)
            made.add(key)
    assert made == set(EXPORTS)
    # The one household's chain as CSV, for every role that may export.
    client.force_login(world.users["county"])
    chain = client.get(reverse("household_chain_export", kwargs={"pk": world.households["inside"].pk}))
    assert chain.status_code == 200 and leaks(_text(chain), world) == []


@pytest.mark.django_db
def test_api_lists_and_records_reveal_no_id(world: World) -> None:
    client = Client()
    inside = world.households["inside"]
    for role in ("province", "county", "township", "auditor"):
        client.force_login(world.users[role])
        for url, params in (("/api/households/", {"purpose": PURPOSE, "page_size": 100}),
                            (f"/api/households/{inside.pk}/", {}),
                            (f"/api/households/{inside.pk}/", {"as_of": TODAY.isoformat()}),
                            (f"/api/households/{inside.pk}/chain/", {}),
                            (f"/api/households/{inside.pk}/determination/", {}),
                            ("/api/applications/", {})):
            response = client.get(url, params)
            assert response.status_code in (200, 404), (url, role, response.status_code)
            assert leaks(_text(response), world) == [], (url, role)
        for member in inside.members.all():
            response = client.get(f"/api/members/{member.pk}/")
            assert leaks(_text(response), world) == [], role
    client.force_login(world.users["department"])
    response = client.get("/api/sharing/people/", {"purpose": PURPOSE, "page_size": 100})
    assert response.status_code == 200 and response.json()["results"]
    assert leaks(_text(response), world) == []


@pytest.mark.django_db
def test_every_household_page_of_the_county_reveals_no_id(world: World) -> None:
    """The pages with the most personal data, for every household in the county (history included)."""
    from jiuzhu.apps.registry.models import Household

    client = Client()
    client.force_login(world.users["county"])
    county = world.users["county"].region_id
    found = []
    for h in Household.objects.filter(county_id=county):
        for url in (f"/households/{h.pk}/", f"/households/{h.pk}/history/"):
            found += [f"{url}: {leak}" for leak in leaks(_text(client.get(url)), world)]
    assert found == []


def test_the_scan_finds_what_the_old_pages_showed() -> None:
    """The check is not blind: the old household page (masked ID beside the birth date) fails it."""
    world = World({}, {}, {"360124198001010011"}, {"6222021234567890123"})
    old = "<td>张三</td><td>360124********0011</td><td>男</td><td>1980-01-01</td>"
    assert leaks(old, world) == ["rebuilt 360124198001010011"]
    assert leaks("证号 36012419800101001142 卡号 6222021234567890123 电话 13800138000", world) == [
        "id 360124198001010011", "mobile 13800138000", "secret 6222021234567890123"]
    assert ANY  # the matrix's markers are imported for _expected

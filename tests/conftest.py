"""Shared fixtures: a test keyring, a small region tree, one user per role, households in and out of scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.pii.crypto import Keyring

TEST_KEYRING = Keyring.generate().to_json()
# 12+ characters: the administrators' minimum (RELIABILITY R1); every test account uses it.
PASSWORD = "Test@Pass1-26"

# A small tree: two townships in 进贤县 (360124), one in 宁都县 (360730).
SUBDIVISIONS = [
    {"code": "360124100", "name": "民和镇", "level": "township", "parent_code": "360124"},
    {"code": "360124100001", "name": "东门村", "level": "village", "parent_code": "360124100"},
    {"code": "360124100002", "name": "西门村", "level": "village", "parent_code": "360124100"},
    {"code": "360124101", "name": "李渡镇", "level": "township", "parent_code": "360124"},
    {"code": "360124101001", "name": "李渡村", "level": "village", "parent_code": "360124101"},
    {"code": "360730100", "name": "梅江镇", "level": "township", "parent_code": "360730"},
    {"code": "360730100001", "name": "城南社区", "level": "village", "parent_code": "360730100"},
]

ROLES: dict[str, dict[str, Any]] = {
    "province": {"role": "province", "region": "360000"},
    "city": {"role": "city", "region": "360100"},
    "county": {"role": "county", "region": "360124"},
    "county_b": {"role": "county", "region": "360730"},
    "township": {"role": "township", "region": "360124100"},
    "department": {"role": "department", "region": None, "department": "medical_insurance"},
    "auditor": {"role": "auditor", "region": "360000"},
    "sysadmin": {"role": "sysadmin", "region": "360000"},
    "secadmin": {"role": "secadmin", "region": "360000"},
    "auditadmin": {"role": "auditadmin", "region": "360000"},
}


@pytest.fixture(autouse=True)
def _keyring(settings: Any) -> Any:
    from jiuzhu.apps.core.keys import keyring

    settings.JIUZHU_KEYRING_JSON = TEST_KEYRING
    # Fast hashing in tests; production keeps Django's PBKDF2 default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keyring.cache_clear()
    yield
    keyring.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _second_factor_in_tests() -> Any:
    """``client.login`` / ``force_login`` also pass the second factor (one place for ~3,000 tests).

    Tests of the two-factor step itself log in through the login page
    (``tests/web/test_accounts.py``), which this does not touch.
    """
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def _login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    ClientMixin._login = _login  # type: ignore[method-assign]
    yield
    ClientMixin._login = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_triggers() -> Any:
    """Transactional tests end with a flush; on SQLite that is DELETE, which the append-only
    triggers refuse.  Lift them around the flush only (PostgreSQL flushes with TRUNCATE, which
    its triggers do not see), as an operator wiping a test database would."""
    from django.db import connection

    from jiuzhu.apps.core.triggers import create_statements, drop_statements

    if connection.vendor != "sqlite":
        yield
        return
    DatabaseOperations = type(connection.ops)
    original = DatabaseOperations.sql_flush

    def sql_flush(self: Any, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        return [*drop_statements("sqlite"), *original(self, style, tables, **kwargs), *create_statements("sqlite")]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture
def regions(db: Any) -> None:
    from jiuzhu.apps.core.services import regions_load, shipped_region_rows

    rows = shipped_region_rows() + [
        {**r, "valid_from": dt.date(1983, 1, 1), "valid_to": None, "note": ""} for r in SUBDIVISIONS
    ]
    regions_load(rows)


@pytest.fixture
def users(regions: None) -> dict[str, Any]:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create

    out = {}
    for name, spec in ROLES.items():
        out[name] = user_create(
            actor=None, username=name, password=PASSWORD, role=spec["role"],
            region=Region.objects.get(code=spec["region"]) if spec["region"] else None,
            department=spec.get("department", ""),
        )
    return out


def head_data(id_number: str, name: str = "张三", **extra: Any) -> dict[str, Any]:
    return {
        "id_number": id_number, "name": name, "work_capacity": "full", "employment": "farming",
        "hukou_code": id_number[:6], **extra,
    }


def make_household(actor: Any, village: str, head_id: str, **extra: Any) -> Any:
    from jiuzhu.apps.registry.services import household_create

    return household_create(
        actor=actor,
        data={"village": village, "area_type": "rural", "address": "某组1号", "phone": "13800138000", **extra},
        head=head_data(head_id),
    )


@pytest.fixture
def households(users: dict[str, Any]) -> dict[str, Any]:
    """inside: in the township user's township of county A; other_town: county A, other township; outside: county B."""
    from jiuzhu.apps.registry.services import item_add

    inside = make_household(users["township"], "360124100001", "360124198001010011")
    other_town = make_household(users["county"], "360124101001", "360124197505050020")
    outside = make_household(users["county_b"], "360730100001", "360730195607150023")
    for h, actor in ((inside, users["township"]), (outside, users["county_b"])):
        item_add(actor=actor, household=h, kind="income", data={
            "income_type": "wages", "amount": "12000.00", "period_start": "2025-11-01", "period_end": "2026-10-31",
        })
        item_add(actor=actor, household=h, kind="property", data={"property_type": "deposit", "value": "5000"})
        item_add(actor=actor, household=h, kind="expense", data={
            "expense_type": "medical", "amount": "3000", "period_start": "2026-01-01", "period_end": "2026-06-30",
        })
        item_add(actor=actor, household=h, kind="supporter", data={
            "name": "李四", "relation": "子", "able_to_support": False, "reason": "重度残疾",
        })
    return {"inside": inside, "other_town": other_town, "outside": outside}


# The longest files first: pytest-xdist (--dist loadfile) hands out whole files in collection order,
# so a long file collected last (tests/web comes last alphabetically) runs alone at the end while the
# other worker idles. Measured per file, on SQLite and PostgreSQL (docs/developers.md, "Tests").
LONG_FILES = (
    "tests/web/test_access_matrix.py",
    "tests/cycle/test_cycle.py",
    "tests/monitoring/test_spark.py",
    "tests/jobs/test_worker_faults.py",
    "tests/exchange_web/test_exchange_crash.py",
    "tests/privacy/test_scan_pages.py",
    "tests/pii/test_disk.py",
    "tests/cli/test_fresh_machine.py",
)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: files keep their order

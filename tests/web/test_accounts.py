"""Accounts (issue 12 items 3, 4, 5, 7, 9): three-admin separation as a matrix of who may do what
to whom, the password rules on every path, two-factor login for real, refusals that stay on record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.apps.core import services
from jiuzhu.apps.core.demo_accounts import DEMO_ADMIN_PASSWORD, DEMO_PASSWORD
from jiuzhu.apps.core.models import AuditEvent, PasswordHistory, RecoveryCode, Region, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "Fresh#Secret-77"


@pytest.fixture(autouse=True)
def _no_retry_delay(settings: Any) -> None:
    # django-otp makes a device wait 2^(n-1) s after n failures; tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + offset
    return f"{totp.token():06d}"


def _ready_account(users: dict[str, Any], name: str = "newcomer") -> User:
    """An account created by the system administrator whose holder has done the first login."""
    u = services.user_create(actor=users["sysadmin"], username=name, password=PASSWORD, full_name="新人")
    User.objects.filter(pk=u.pk).update(must_change_password=False)
    TOTPDevice.objects.create(user=u, name="t", confirmed=True)
    return User.objects.get(pk=u.pk)


# --------------------------------------------------------------------------- 三权分立: the matrix

def _county() -> Region:
    return Region.objects.get(code="360124")


ACTIONS: dict[str, Any] = {
    "create_plain": lambda a, t: services.user_create(actor=a, username="made_by_" + a.username, password=PASSWORD),
    "create_with_role": lambda a, t: services.user_create(actor=a, username="role_by_" + a.username,
                                                          password=PASSWORD, role="province",
                                                          region=Region.objects.get(code="360000")),
    "assign_caseworker": lambda a, t: services.user_set_role(actor=a, target=t, role="county", region=_county()),
    "assign_admin": lambda a, t: services.user_set_role(actor=a, target=t, role="auditadmin",
                                                        region=Region.objects.get(code="360000")),
    "reset_password": lambda a, t: services.user_reset_password(actor=a, target=t, password=NEW),
    "reset_otp": lambda a, t: services.user_otp_reset(actor=a, target=t),
    "disable": lambda a, t: services.user_set_active(actor=a, target=t, active=False),
}

# (actor, action, target, allowed) — targets: "ready" (a role-less account after its first
# login), "pending" (first login not done), "self", "creator" (the account that created the
# actor's), "county" (a caseworker), "secadmin" (an administrator).
MATRIX = [
    ("sysadmin", "create_plain", None, True),
    ("sysadmin", "create_with_role", None, False),
    ("secadmin", "create_plain", None, False),
    ("auditadmin", "create_plain", None, False),
    ("county", "create_plain", None, False),
    ("secadmin", "assign_caseworker", "ready", True),
    ("secadmin", "assign_caseworker", "pending", False),
    ("secadmin", "assign_caseworker", "self", False),
    ("secadmin", "assign_admin", "ready", True),
    ("secadmin", "assign_admin", "creator", False),
    ("secadmin", "assign_caseworker", "creator", True),
    ("sysadmin", "assign_caseworker", "ready", False),
    ("sysadmin", "assign_admin", "self", False),
    ("auditadmin", "assign_caseworker", "ready", False),
    ("county", "assign_caseworker", "ready", False),
    ("sysadmin", "reset_password", "county", True),
    ("sysadmin", "reset_password", "secadmin", False),
    ("sysadmin", "reset_password", "self", False),
    ("secadmin", "reset_password", "county", False),
    ("secadmin", "reset_otp", "county", True),
    ("secadmin", "reset_otp", "self", False),
    ("sysadmin", "reset_otp", "county", False),
    ("auditadmin", "reset_otp", "county", False),
    ("sysadmin", "disable", "county", True),
    ("sysadmin", "disable", "secadmin", False),
    ("sysadmin", "disable", "self", False),
    ("secadmin", "disable", "county", False),
]


@pytest.mark.parametrize("actor, action, target, allowed", MATRIX,
                         ids=[f"{a}-{act}-{t}-{'ok' if ok else 'refused'}" for a, act, t, ok in MATRIX])
def test_three_admin_separation(users: dict[str, Any], actor: str, action: str, target: str | None,
                                allowed: bool) -> None:
    # The security administrator's account was created by the system administrator.
    User.objects.filter(pk=users["secadmin"].pk).update(created_by=users["sysadmin"])
    a = User.objects.get(pk=users[actor].pk)
    t = {"ready": lambda: _ready_account(users), "self": lambda: a, "creator": lambda: users["sysadmin"],
         "pending": lambda: services.user_create(actor=users["sysadmin"], username="pending", password=PASSWORD),
         None: lambda: None}.get(target, lambda: users.get(target or ""))()
    if t is not None and target not in ("self",):
        t = User.objects.get(pk=t.pk)
    before = AuditEvent.objects.filter(outcome="denied").count()
    if allowed:
        ACTIONS[action](a, t)
        return
    snapshot = User.objects.filter(pk=t.pk).values().first() if t is not None else None
    users_before = User.objects.count()
    with pytest.raises(PermissionDenied):
        ACTIONS[action](a, t)
    # Nothing changed, and the refusal is on record although its transaction was rolled back.
    assert User.objects.count() == users_before
    if t is not None:
        assert User.objects.filter(pk=t.pk).values().first() == snapshot
    assert AuditEvent.objects.filter(outcome="denied").count() == before + 1


def test_new_accounts_have_no_role_and_must_change_the_password(users: dict[str, Any]) -> None:
    u = services.user_create(actor=users["sysadmin"], username="fresh", password=PASSWORD)
    assert u.role == "" and u.region is None and u.must_change_password and u.created_by == users["sysadmin"]
    assert not any(u.has_capability(c) for c in ("view_registry", "read_audit", "manage_roles"))


def test_an_admin_role_needs_a_new_twelve_character_password(users: dict[str, Any]) -> None:
    t = _ready_account(users)
    services.user_set_role(actor=users["secadmin"], target=t, role="auditadmin",
                           region=Region.objects.get(code="360000"))
    t.refresh_from_db()
    assert t.must_change_password
    with pytest.raises(ValidationError):
        validate_password("Short#Pass1", t)  # 11 characters: enough for a caseworker, not an administrator


def test_console_shows_refusals_and_records_them(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["secadmin"])
    r = client.post(f"/console/users/{users['secadmin'].pk}/role/", {"role": "province", "region": "360000"})
    assert r.status_code == 403 and "不能修改自己的角色" in r.content.decode()
    assert AuditEvent.objects.filter(event="user.set_role", outcome="denied", detail__reason="self").exists()
    client.force_login(users["sysadmin"])
    page = client.get("/console/users/").content.decode()
    assert 'name="role"' not in page  # the system administrator's form has no role field
    assert client.get("/console/audit/").status_code == 403  # Z8
    assert AuditEvent.objects.filter(event="audit.read", outcome="denied", actor=users["sysadmin"]).exists()


# --------------------------------------------------------------------------- passwords (R1, Z2)

WEAK = ["1", "password", "Password", "abcdefgh", "Abcdefgh", "12345678", "Aa1!", "Qwerty123", "county2026!"]
STRONG = ["Jiuzhu@2026", "Hu4n#shan", "木兰Mulan-9", "correct-Horse7"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_naming_the_rule(users: dict[str, Any], password: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_password(password, users["county"])
    assert err.value.messages  # each names its rule (length, classes, common, like the user name)


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_pass(users: dict[str, Any], password: str) -> None:
    validate_password(password, users["county"])


def test_demo_passwords_satisfy_the_rules(users: dict[str, Any]) -> None:
    validate_password(DEMO_PASSWORD, users["county"])
    validate_password(DEMO_ADMIN_PASSWORD, users["secadmin"])


def test_every_path_checks_the_rules(users: dict[str, Any]) -> None:
    """The finding: an administrator could create an account with the password `1`."""
    with pytest.raises(ValidationError):
        services.user_create(actor=users["sysadmin"], username="weak", password="1")
    with pytest.raises(ValidationError):
        services.user_create(actor=None, username="weak2", password="1", role="county", region=_county())
    with pytest.raises(ValidationError):
        services.user_reset_password(actor=users["sysadmin"], target=users["county"], password="1")
    assert not User.objects.filter(username__startswith="weak").exists()


def test_the_last_five_passwords_are_not_reused(users: dict[str, Any]) -> None:
    u = users["county"]
    used = [PASSWORD] + [f"Rotate#{i}-Pass" for i in range(5)]
    for p in used[1:]:
        services.user_change_password(user=u, password=p)
    assert PasswordHistory.objects.filter(user=u).count() == 5
    for p in used[1:]:
        with pytest.raises(ValidationError):
            services.user_change_password(user=u, password=p)
    services.user_change_password(user=u, password=PASSWORD)  # six changes ago: allowed again


def _ui_login(client: Any, username: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_first_login_forces_two_factor_enrolment_then_a_new_password(client: Any, users: dict[str, Any]) -> None:
    u = services.user_create(actor=users["sysadmin"], username="firsttimer", password=PASSWORD)
    assert _ui_login(client, "firsttimer").status_code == 302
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/enrol/")
    page = client.get("/accounts/otp/enrol/")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=u, confirmed=False)
    assert client.post("/accounts/otp/enrol/", {"device": device.pk, "token": "000000"}).status_code == 400
    device = TOTPDevice.objects.get(user=u, confirmed=False)
    done = client.post("/accounts/otp/enrol/", {"device": device.pk, "token": _code(device)})
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10
    stored = list(RecoveryCode.objects.filter(device__user=u).values_list("code_hash", flat=True))
    assert all(c.replace("-", "") not in "".join(stored) for c in codes)  # hashed, never stored as shown
    # Then the administrator-set password must go.
    r = client.get("/households/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    assert "管理员设置" in client.get("/accounts/password/").content.decode()
    bad = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "1", "new_password2": "1"})
    assert bad.status_code == 400
    ok = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert ok.status_code == 302
    u.refresh_from_db()
    assert not u.must_change_password and u.check_password(NEW)
    assert client.get("/").status_code == 200


def test_an_expired_password_forces_the_change_page(client: Any, users: dict[str, Any], settings: Any) -> None:
    User.objects.filter(pk=users["county"].pk).update(
        password_changed_at=timezone.now() - timezone.timedelta(days=settings.JIUZHU_PASSWORD_MAX_AGE_DAYS + 1))
    client.force_login(users["county"])
    r = client.get("/households/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    assert "已过期" in client.get("/accounts/password/").content.decode()


# --------------------------------------------------------------------------- two-factor login (R4, Z11)

def test_password_step_alone_reaches_nothing_but_the_otp_page(client: Any, users: dict[str, Any],
                                                              households: dict[str, Any]) -> None:
    device = TOTPDevice.objects.create(user=users["county"], name="phone", confirmed=True)
    assert _ui_login(client, "county").status_code == 302
    for url in ("/", "/households/", f"/households/{households['inside'].pk}/", "/console/audit/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/"), url
    api = client.get("/api/households/")
    assert api.status_code == 401 and api.json()["code"] == "otp_required"  # Z11
    assert client.post("/accounts/otp/", {"token": "123456"}).status_code == 400
    assert AuditEvent.objects.filter(event="auth.otp", outcome="failed").count() == 1
    ok = client.post("/accounts/otp/", {"token": _code(device), "next": "/households/"})
    assert ok.status_code == 302 and ok["Location"] == "/households/"
    # Listing people by API also needs a stated purpose (issue 12 item 6); one record does not.
    assert client.get(f"/api/households/{households['inside'].pk}/").status_code == 200
    assert AuditEvent.objects.filter(event="auth.otp", outcome="ok", actor=users["county"]).exists()


def test_a_recovery_code_works_once(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.core.otp import recovery_codes_issue

    TOTPDevice.objects.create(user=users["county"], name="phone", confirmed=True)
    codes = recovery_codes_issue(users["county"])
    _ui_login(client, "county")
    assert client.post("/accounts/otp/", {"token": codes[0].lower()}).status_code == 302
    client.post("/accounts/logout/")
    _ui_login(client, "county")
    assert client.post("/accounts/otp/", {"token": codes[0]}).status_code == 400


def test_otp_failures_lock_the_account(client: Any, users: dict[str, Any], settings: Any) -> None:
    device = TOTPDevice.objects.create(user=users["county"], name="phone", confirmed=True)
    _ui_login(client, "county")
    for _ in range(settings.JIUZHU_LOCKOUT_ATTEMPTS):
        client.post("/accounts/otp/", {"token": "000000"})
    device.throttling_failure_count = 0
    device.save()
    assert client.post("/accounts/otp/", {"token": _code(device)}).status_code == 400  # locked now
    assert AuditEvent.objects.filter(event="auth.lockout", detail__step="otp").exists()


def test_security_admin_resets_two_factor_and_sessions_end(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    assert client.get("/").status_code == 200
    services.user_otp_reset(actor=users["secadmin"], target=users["county"])
    assert not TOTPDevice.objects.filter(user=users["county"]).exists()
    assert client.get("/").status_code == 302  # the session was ended
    assert AuditEvent.objects.filter(event="user.otp_reset", actor=users["secadmin"]).exists()


def test_roles_without_the_second_factor_are_configurable(client: Any, users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_OTP_REQUIRED_ROLES = frozenset({"sysadmin", "secadmin", "auditadmin"})
    _ui_login(client, "county")
    assert client.get("/").status_code == 200


def test_department_machines_keep_token_access(client: Any, users: dict[str, Any]) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["department"])
    r = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 200


def test_demo_accounts_have_printable_codes(users: dict[str, Any], settings: Any, capsys: Any) -> None:
    from jiuzhu.apps.core.otp import demo_code, demo_enrol
    from jiuzhu.cli import main as cli

    demo_enrol(users["county"])
    assert demo_enrol(users["county"])  # idempotent
    assert cli(["otp", "county"]) == 0
    printed = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", printed) and printed == demo_code("county")
    assert cli(["otp", "province"]) == 1  # not enrolled with the demo secret
    settings.DEMO_MODE = False
    assert cli(["otp", "county"]) == 2


# --------------------------------------------------------------------------- lockout timing (item 9)

def test_a_locked_account_does_the_same_hash_work(client: Any, users: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Locked answered before hashing anything, measurably faster than a wrong password."""
    from jiuzhu.apps.core import auth

    calls: list[str] = []
    original = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda p, e, *a, **k: calls.append(p) or original(p, e))
    User.objects.filter(pk=users["county"].pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=5))
    r = _ui_login(client, "county")
    assert r.status_code == 200 and calls == [PASSWORD]


# --------------------------------------------------------------------------- sessions (R3, Z3, Z4, Z10)

def test_sessions_end_after_the_absolute_limit(client: Any, users: dict[str, Any], settings: Any) -> None:
    client.force_login(users["county"])
    session = client.session
    session["jiuzhu_login_at"] = timezone.now().timestamp() - settings.JIUZHU_SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    r = client.get("/households/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.get("/api/households/").status_code in (401, 403)
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST  # 30 idle minutes


def test_login_rotates_the_session_key(client: Any, users: dict[str, Any]) -> None:
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    _ui_login(client, "county")
    assert client.session.session_key != before  # Z4: a planted session id is worthless


def test_a_disabled_user_is_out_at_the_next_request(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    assert client.get("/").status_code == 200
    services.user_set_active(actor=users["sysadmin"], target=users["county"], active=False)
    assert client.get("/").status_code == 302  # Z10


def test_a_role_change_ends_the_sessions(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    assert client.get("/households/").status_code == 200
    services.user_set_role(actor=users["secadmin"], target=users["county"], role="county",
                           region=Region.objects.get(code="360730"))
    assert client.get("/households/").status_code == 302  # C6: no stale permissions, not even for 60 s

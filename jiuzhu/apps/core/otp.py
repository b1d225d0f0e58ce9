"""Two-factor login (RELIABILITY R4, MLPS level 3): TOTP (RFC 6238, django-otp) plus recovery codes.

After the password step a session reaches nothing but the two-factor pages
(AccountGateMiddleware) until ``otp_verify`` accepts a code.  The QR code for
enrolment is drawn here (segno, SVG data URI), nothing is fetched from outside.
Recovery codes are shown once and stored only as keyed HMAC-SM3 hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit
from .keys import keyring
from .models import RecoveryCode, RecoveryCodeDevice, User

RECOVERY_CODES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


def _hmac(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def recovery_code_hash(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    return _hmac(keyring().index_key, b"jiuzhu recovery code|" + normalised.encode()).hex()


def otp_required(user: Any) -> bool:
    """Whether the user's role must pass the second factor (CONFIG JIUZHU_OTP_REQUIRED_ROLES)."""
    required = settings.JIUZHU_OTP_REQUIRED_ROLES
    return (user.role in required) if user.role else bool(required)


def totp_device(user: Any, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()


def enrolment_start(user: User) -> TOTPDevice:
    """A fresh unconfirmed TOTP device (earlier unconfirmed attempts are dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="手机令牌", confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code (data URI: allowed by the CSP's img-src)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def _new_codes() -> list[str]:
    return ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]


def recovery_codes_issue(user: User) -> list[str]:
    """Replace the user's recovery codes; returns the new codes (to be shown once)."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = _new_codes()
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def enrolment_confirm(request: Any, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment with a first code; returns the recovery codes, or None if the code is wrong."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token.strip()):
        audit("auth.otp_enrol", actor=user, outcome="failed")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user)
        audit("auth.otp_enrol", actor=user, object_type="user", object_id=user.pk)
    otp_login(request, device)
    return codes


def otp_verify(request: Any, token: str) -> bool:
    """The second step: a TOTP code or an unused recovery code.  Failures count towards lockout."""
    user = request.user
    token = token.strip()
    now = timezone.now()
    if user.locked_until and user.locked_until > now:
        audit("auth.otp", actor=user, outcome="locked")
        return False
    candidates: list[Any] = []
    device = totp_device(user)
    if device is not None:
        candidates.append(device)
    candidates += list(RecoveryCodeDevice.objects.filter(user=user, confirmed=True))
    for d in candidates:
        if d.verify_token(token):
            otp_login(request, d)
            User.objects.filter(pk=user.pk).update(failed_logins=0)
            audit("auth.otp", actor=user, outcome="ok",
                  method="recovery_code" if isinstance(d, RecoveryCodeDevice) else "totp")
            return True
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.JIUZHU_LOCKOUT_ATTEMPTS:
        User.objects.filter(pk=user.pk).update(
            failed_logins=0, locked_until=now + dt.timedelta(minutes=settings.JIUZHU_LOCKOUT_MINUTES))
        audit("auth.lockout", actor=user, outcome="locked", step="otp")
    audit("auth.otp", actor=user, outcome="failed")
    return False


def otp_devices_remove(user: User) -> int:
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    return removed + RecoveryCodeDevice.objects.filter(user=user).delete()[0]


# ---- the demo ------------------------------------------------------------------------------------

def demo_key(username: str) -> str:
    """The demo accounts' fixed TOTP secret (20 bytes, hex), printed by `jiuzhu demo`; demo only."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"jiuzhu demo totp|" + username.encode())
    return digest.finalize()[:20].hex()


def demo_enrol(user: User) -> str:
    """Enrol a demo account with its fixed secret (idempotent); returns the base32 secret."""
    key = demo_key(user.username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or device.key != key:
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="演示令牌", key=key, confirmed=True)
    return secret_base32(device)


def demo_code(username: str, at: float | None = None) -> str | None:
    """The current code of a demo account (None for an account not enrolled with the demo secret)."""
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None or device.key != demo_key(username):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def _remember_login_time(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The absolute session limit counts from the password step (AccountGateMiddleware)."""
    if request is not None and hasattr(request, "session"):
        request.session["jiuzhu_login_at"] = timezone.now().timestamp()


user_logged_in.connect(_remember_login_time, dispatch_uid="jiuzhu_login_at")

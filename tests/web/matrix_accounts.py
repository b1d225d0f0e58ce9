"""Access-matrix entries for the account holder's pages and the administrators' console actions."""

from __future__ import annotations

from tests.web.matrix_base import ANY, Check, Entry

ENTRIES = {
    # Test logins have passed the second factor already (tests/conftest.py): both pages send them on.
    "otp_verify": Entry(None, [Check("get", ANY, 302)]),
    "otp_enrol": Entry(None, [Check("get", ANY, 302)]),
    "password_change": Entry(None, [Check("get", ANY, 200), Check("post", ANY, 400)]),
    "user_password_reset": Entry("user", [Check("get", "manage_accounts", 200), Check("post", "manage_accounts", 400)]),
    "user_active": Entry("user", [Check("post", "manage_accounts", 302, {"active": "0"})]),
    "user_otp_reset": Entry("user", [Check("post", "manage_roles", 302)]),
}

"""Password rules (RELIABILITY R1), run by every path that sets a password.

- at least 8 characters, 12 for the three administrators;
- at least 3 of the 4 character classes;
- not a common password, not like the user name (Django's validators);
- none of the user's last five passwords.

``HistoryValidator.password_changed`` keeps the history: Django calls it whenever a
user with a new password is saved, whichever path set it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import ADMIN_ROLES


class RoleLengthValidator:
    def __init__(self, min_length: int = 8, admin_min_length: int = 12) -> None:
        self.min_length, self.admin_min_length = min_length, admin_min_length

    def _needed(self, user: Any) -> int:
        return self.admin_min_length if getattr(user, "role", "") in ADMIN_ROLES else self.min_length

    def validate(self, password: str, user: Any = None) -> None:
        needed = self._needed(user)
        if len(password) < needed:
            raise ValidationError(
                _("The password must have at least %(n)d characters.") % {"n": needed},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("At least %(n)d characters (%(m)d for administrators).") % {
            "n": self.min_length, "m": self.admin_min_length}


class CharacterClassValidator:
    def validate(self, password: str, user: object = None) -> None:
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower-case, upper-case, digits, symbols."),
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("At least three of: lower-case, upper-case, digits, symbols.")


class HistoryValidator:
    """Refuses the user's last ``keep`` passwords; records each new one."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        # deferred: settings name these validators; models load later
        from .models import PasswordHistory, User

        recent = list(PasswordHistory.objects.filter(user=user.pk).values_list("password", flat=True)[: self.keep])
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if any(check_password(password, encoded) for encoded in [current, *recent] if encoded):
            raise ValidationError(
                _("This password was one of your last %(n)d passwords. Choose a new one.") % {"n": self.keep},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        # deferred: settings name these validators; models load later
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("Not one of your last %(n)d passwords.") % {"n": self.keep}

"""Login with account lockout (RELIABILITY R2).

5 failures lock the account for 30 minutes.  An unknown user and a wrong
password get byte-identical answers, so the form does not reveal which
accounts exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit
from .models import User

FAILED = _("Wrong user name or password, or the account is locked. Try again later.")


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {"invalid_login": FAILED, "inactive": FAILED}

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            raise forms.ValidationError(FAILED, code="invalid_login")
        account = User.objects.filter(username=username).first()
        now = timezone.now()
        if account is not None and account.locked_until and account.locked_until > now:
            # The same hash work as a wrong password, so a locked account does not answer faster
            # (issue 12 item 9); the result is ignored: locked is locked.
            check_password(password, account.password)
            audit("auth.login", actor=account, outcome="locked")
            raise forms.ValidationError(FAILED, code="invalid_login")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            if account is not None:
                User.objects.filter(pk=account.pk).update(failed_logins=F("failed_logins") + 1)
                account.refresh_from_db(fields=["failed_logins"])
                if account.failed_logins >= settings.JIUZHU_LOCKOUT_ATTEMPTS:
                    account.locked_until = now + dt.timedelta(minutes=settings.JIUZHU_LOCKOUT_MINUTES)
                    account.failed_logins = 0
                    account.save(update_fields=["locked_until", "failed_logins"])
                    audit("auth.lockout", actor=account, outcome="locked")
            audit("auth.login", outcome="failed", username_tried=(username[:1] + "***"))
            raise forms.ValidationError(FAILED, code="invalid_login")
        User.objects.filter(pk=self.user_cache.pk).update(failed_logins=0, locked_until=None)
        audit("auth.login", actor=self.user_cache, outcome="ok")
        return self.cleaned_data

"""Request types for views behind a login (typing only; ADR 0036).

Django types ``request.user`` as ``User | AnonymousUser``.  A view that ``@login_required`` (or an
API view whose permission classes require authentication) let through always has the project's
``User``: annotating ``request: AuthedRequest`` says so once, instead of a cast on every use.
Never instantiated; at run time the request is Django's or the REST framework's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

from .models import User


class AuthedRequest(HttpRequest):
    user: User


class AuthedAPIRequest(Request):
    if TYPE_CHECKING:  # REST framework's Request.user is a property
        @property
        def user(self) -> User: ...

        @user.setter
        def user(self, value: User) -> None: ...

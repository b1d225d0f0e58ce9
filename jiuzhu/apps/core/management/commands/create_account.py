"""`jiuzhu manage create_account USER-NAME --role ROLE --region CODE`: installation only.

Creates the first administrators (or any account) without going through the console; the
password is read from the terminal (or JIUZHU_NEW_PASSWORD), checked against the password
rules, and must be changed at the first login.  Never creates a superuser (R8).
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.services import user_create


class Command(BaseCommand):
    help = "Create an account at installation (e.g. the three administrators)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True)
        parser.add_argument("--region", default="")
        parser.add_argument("--department", default="")
        parser.add_argument("--full-name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = os.environ.get("JIUZHU_NEW_PASSWORD") or getpass.getpass("初始密码 / initial password: ")
        region = Region.objects.filter(code=opts["region"]).first() if opts["region"] else None
        try:
            user = user_create(actor=None, username=opts["username"], password=password, role=opts["role"],
                               region=region, department=opts["department"], full_name=opts["full_name"])
        except ValidationError as err:
            raise CommandError("; ".join(err.messages), returncode=1) from err
        User.objects.filter(pk=user.pk).update(must_change_password=True)
        self.stdout.write(f"created {user.username} ({user.get_role_display()}); the password must be changed "
                          "at the first login")

"""`jiuzhu otp USER-NAME`: the current two-factor code of a demo account (demo mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.core.otp import demo_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo mode only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("仅限演示模式 / demo mode only (JIUZHU_PROFILE=demo)", returncode=2)
        code = demo_code(opts["username"])
        if code is None:
            raise CommandError(f"{opts['username']}: not a demo account enrolled with the demo secret",
                               returncode=1)
        self.stdout.write(code)

"""Print the sharing catalogue as Markdown, or rewrite its section of docs/sharing.md (--write)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from jiuzhu.apps.sharing.catalogue import markdown

BEGIN, END = "<!-- catalogue:begin (generated: jiuzhu manage sharing_catalogue_doc --write) -->", "<!-- catalogue:end -->"
DOC = Path(settings.PROJECT_DIR) / "docs" / "sharing.md"


def replace_section(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{markdown()}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the sharing catalogue as Markdown; --write updates docs/sharing.md."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            DOC.write_text(replace_section(DOC.read_text("utf-8")), "utf-8")
            self.stdout.write(f"updated {DOC}")
        else:
            self.stdout.write(markdown())

"""The configured purposes and caps of bulk disclosure (CONFIG, ADR 0025).

Operational settings, not policy parameters: they bound how much personal data one person can
take out of the platform at once, and for what.  Defaults here; ``settings`` may override each
(environment variables in ``config/settings.py``).

- ``JIUZHU_EXPORT_PURPOSES``: the purposes a user may state for a bulk export or a listing of
  personal data by API, ``{code: [Chinese label, English label]}``.  A purpose is chosen from
  this list and recorded with the request; free text is only a note beside it.
- ``JIUZHU_EXPORT_APPROVAL_ROWS``: an export of more rows than this waits for the approval of a
  second person (default 2,000: a township's households fit; a county's or a department's
  province-wide list does not).
- ``JIUZHU_API_PAGE_SIZE_MAX``: the largest page an API list answers (default 100).
- ``JIUZHU_API_DAILY_ROWS``: how many records of personal data one user may list by API in a
  day (default 2,000); beyond that the API answers 429 and points to an approved export.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language

DEFAULT_PURPOSES: dict[str, tuple[str, str]] = {
    "assistance_delivery": ("落实救助政策（核定对象、发放救助）", "Delivering assistance (checking recipients, paying)"),
    "case_handling": ("个案办理与入户核查", "Handling cases and home visits"),
    "data_matching": ("部门数据比对核实", "Matching and checking departments' data"),
    "supervision": ("监督检查与审计（双随机一公开）", "Supervision, inspections and audits"),
}
DEFAULT_APPROVAL_ROWS = 2000
DEFAULT_PAGE_SIZE_MAX = 100
DEFAULT_DAILY_ROWS = 2000


def purposes() -> dict[str, tuple[str, str]]:
    conf: Any = getattr(settings, "JIUZHU_EXPORT_PURPOSES", None) or DEFAULT_PURPOSES
    return {str(k): (str(v[0]), str(v[1])) for k, v in conf.items()}


def purpose_label(code: str) -> str:
    zh, en = purposes().get(code, (code, code))
    return en if (get_language() or "").startswith("en") else zh


def purpose_choices() -> list[tuple[str, str]]:
    return [(code, purpose_label(code)) for code in purposes()]


def approval_rows() -> int:
    return int(getattr(settings, "JIUZHU_EXPORT_APPROVAL_ROWS", None) or DEFAULT_APPROVAL_ROWS)


def page_size_max() -> int:
    return int(getattr(settings, "JIUZHU_API_PAGE_SIZE_MAX", None) or DEFAULT_PAGE_SIZE_MAX)


def daily_rows() -> int:
    return int(getattr(settings, "JIUZHU_API_DAILY_ROWS", None) or DEFAULT_DAILY_ROWS)


def check() -> list[str]:
    """Problems with the configuration (an empty list when it is usable)."""
    problems = []
    try:
        conf = purposes()
    except (AttributeError, IndexError, TypeError, ValueError):
        return ["JIUZHU_EXPORT_PURPOSES must map codes to [Chinese label, English label]"]
    if not conf:
        problems.append("JIUZHU_EXPORT_PURPOSES is empty: no bulk export could ever be made")
    for code in conf:
        if not code.isidentifier() or len(code) > 40:
            problems.append(f"purpose code {code!r} must be a short identifier")
    for name, value in (("JIUZHU_EXPORT_APPROVAL_ROWS", approval_rows), ("JIUZHU_API_PAGE_SIZE_MAX", page_size_max),
                        ("JIUZHU_API_DAILY_ROWS", daily_rows)):
        try:
            if value() < 1:
                problems.append(f"{name} must be at least 1")
        except (TypeError, ValueError):
            problems.append(f"{name} must be a whole number")
    return problems

"""Find personal identifiers in text: in clear, or rebuildable from what a page shows (ADR 0024).

Pure Python, no Django.  Used by the scans of pages, exports, API responses, database files
and analytics files (tests/privacy), and by ``jiuzhu manage pii_scan`` (files on disk) for release checks
(RELIABILITY test plan 4: "scans of logs and database dumps for plaintext IDs").

Three questions, from the weakest attacker to the strongest:

1. *In clear*: :func:`find_id_numbers` (valid GB 11643 numbers, also inside longer digit
   runs such as a disability certificate number = ID + 2 digits), :func:`find_mobiles`.
2. *Rebuilt*: :func:`rebuild` combines every masked ID fragment on a page
   (``360124********0011``) with every date and every digit run on the same page — a birth
   date "1980-01-01", "1980年1月1日", "19800101", a birthday "1月1日" with a year or an age
   beside it — and returns the candidates that are valid numbers *and* belong to someone
   (the caller's oracle, e.g. the registry's blind index).  The hidden 8 digits of a
   masked number are the birth date, so any full birth date beside it rebuilds it.
3. *Narrowed*: :func:`candidates_for_age` counts the valid numbers left when only an age
   (周岁) is known beside a masked number: about 33 (366 birth dates, 1 in 11 passing the
   check character).  Showing the age is what the masking design allows; the scans check
   that nothing narrows a number further.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from jiuzhu.rules.identity import IdNumberError, age_on, check_char, parse_id_number

__all__ = [
    "Fragment",
    "candidates_for_age",
    "find_id_numbers",
    "find_legacy_id_numbers",
    "find_mobiles",
    "fragments",
    "rebuild",
    "scan_bytes",
    "scan_file",
    "visible_ages",
    "visible_dates",
]

_DIGIT_RUN: Final = re.compile(r"[0-9]+[Xx]?")
# Not inside a longer run of letters and digits (a hex digest, a token): those are not phone numbers.
_MOBILE: Final = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
# A masked number: kept head, at least 3 stars, kept tail (which may be followed by more stars,
# as in a masked certificate number).
_MASKED: Final = re.compile(r"(?<![0-9A-Za-z*])([0-9]{0,6})(\*{3,})([0-9]{0,4}[0-9Xx]?)(\**)")
_ISO: Final = re.compile(r"(?<![0-9])((?:18|19|20)[0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
_ZH: Final = re.compile(r"(?<![0-9])((?:18|19|20)[0-9]{2})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")
_COMPACT: Final = re.compile(r"(?<![0-9])((?:18|19|20)[0-9]{2})([01][0-9])([0-3][0-9])(?![0-9])")
_MONTH_DAY_ZH: Final = re.compile(r"(?<![0-9年])([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")
_MONTH_DAY: Final = re.compile(r"(?<![0-9\-/.])([01]?[0-9])[-/]([0-3]?[0-9])(?![0-9\-/.])")
_YEAR: Final = re.compile(r"(?<![0-9])((?:18|19|20)[0-9]{2})(?![0-9])")
_AGE: Final = re.compile(r"(?<![0-9])([0-9]{1,3})\s*(?:周岁|岁)")


def find_id_numbers(text: str, *, today: dt.date | None = None) -> list[str]:
    """Valid 18-character ID numbers in *text*, also inside longer digit runs; in order, once each."""
    found: dict[str, None] = {}
    for m in _DIGIT_RUN.finditer(text):
        run = m.group().upper()
        if len(run) < 18:
            continue
        for i in range(len(run) - 17):
            window = run[i : i + 18]
            if "X" in window[:-1]:
                continue
            try:
                parse_id_number(window, today=today)
            except IdNumberError:
                continue
            found[window] = None
    return list(found)


def find_legacy_id_numbers(text: str, *, today: dt.date | None = None) -> list[str]:
    """15-digit (1989-format) numbers standing alone in *text*, as their 18-character upgrade."""
    found: dict[str, None] = {}
    for m in _DIGIT_RUN.finditer(text):
        run = m.group()
        if len(run) != 15 or not run.isdigit():
            continue
        try:
            found[parse_id_number(run, today=today).value] = None
        except IdNumberError:
            continue
    return list(found)


def find_mobiles(text: str) -> list[str]:
    """Mainland mobile numbers written in clear (11 digits, 13x–19x, not inside a longer token)."""
    return list(dict.fromkeys(m.group() for m in _MOBILE.finditer(text)))


@dataclass(frozen=True)
class Fragment:
    """What a masked ID number keeps: the head, the number of hidden characters, the tail."""

    head: str
    hidden: int
    tail: str

    @property
    def birth_date_hidden(self) -> bool:
        """The standard 6 + 8 + 4 mask: exactly the birth date is hidden."""
        return len(self.head) == 6 and self.hidden == 8 and len(self.tail) == 4


def fragments(text: str) -> list[Fragment]:
    """Masked 18-character ID numbers in *text* (a masked certificate counts by its ID part)."""
    out: dict[Fragment, None] = {}
    for m in _MASKED.finditer(text):
        head, stars, tail = m.group(1), len(m.group(2)), m.group(3).upper()
        if len(head) + stars + len(tail) == 18:
            out[Fragment(head, stars, tail)] = None
    return list(out)


def _date(y: str | int, mo: str | int, d: str | int) -> dt.date | None:
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        return None


def visible_dates(text: str) -> set[dt.date]:
    """Every full calendar date written in *text*: ISO, with / or ., Chinese, or as 8 digits."""
    out: set[dt.date] = set()
    for pattern in (_ISO, _ZH, _COMPACT):
        for m in pattern.finditer(text):
            d = _date(m.group(1), m.group(2), m.group(3))
            if d is not None:
                out.add(d)
    return out


def _month_days(text: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for pattern in (_MONTH_DAY_ZH, _MONTH_DAY):
        for m in pattern.finditer(text):
            mo, d = int(m.group(1)), int(m.group(2))
            if 1 <= mo <= 12 and 1 <= d <= 31:
                out.add((mo, d))
    return out


def visible_ages(text: str) -> set[int]:
    """Ages written as "N周岁" or "N岁"."""
    return {int(m.group(1)) for m in _AGE.finditer(text) if int(m.group(1)) <= 130}


def _candidate_birth_dates(text: str, on: dt.date) -> set[str]:
    """Birth dates (YYYYMMDD) a reader could put together from *text*.

    Full dates; and birthdays (month and day) combined with every year on the page and
    with the years an age on the page allows.
    """
    out = {d.strftime("%Y%m%d") for d in visible_dates(text)}
    years = {int(m.group(1)) for m in _YEAR.finditer(text)}
    for age in visible_ages(text):
        years |= {on.year - age, on.year - age - 1}
    for mo, d in _month_days(text):
        for y in years:
            day = _date(y, mo, d)
            if day is not None:
                out.add(day.strftime("%Y%m%d"))
    return out


def _digit_windows(text: str, width: int) -> Iterator[str]:
    for m in _DIGIT_RUN.finditer(text):
        run = m.group().upper()
        for i in range(len(run) - width + 1):
            yield run[i : i + width]


def _fill(fragment: Fragment, middle: str) -> str | None:
    if len(middle) != fragment.hidden:
        return None
    candidate = fragment.head + middle + fragment.tail
    if "X" in candidate[:-1] or not candidate[:17].isdigit():
        return None
    if check_char(candidate[:17]) != candidate[17]:
        return None
    return candidate


def rebuild(text: str, belongs: Callable[[str], bool], *, on: dt.date | None = None) -> set[str]:
    """ID numbers that the masked fragments in *text* and the rest of *text* together reveal.

    A candidate is a fragment's head + a filler + its tail where the filler is a birth date
    put together from the page (:func:`visible_dates`, birthdays with a year or an age) or
    any run of digits on the page of the hidden length.  It counts only if it is a valid
    number (check character) for which ``belongs(number)`` is true — the oracle, e.g. "is
    in the registry": a coincidence of digits that is nobody's number reveals nothing.
    """
    on = on or dt.date.today()
    frags = fragments(text)
    if not frags:
        return set()
    births = _candidate_birth_dates(text, on)
    out: set[str] = set()
    for frag in frags:
        fillers: set[str] = set(_digit_windows(text, frag.hidden))
        if frag.birth_date_hidden:
            fillers |= births
        for middle in fillers:
            candidate = _fill(frag, middle)
            if candidate is not None and belongs(candidate):
                out.add(candidate)
    return out


def candidates_for_age(fragment: Fragment, age: int, on: dt.date) -> int:
    """How many valid numbers fit a standard fragment when only the age on *on* is known."""
    if not fragment.birth_date_hidden:
        raise ValueError("only the standard 6 + 8 + 4 mask hides exactly the birth date")
    latest = _years_back(on, age)
    earliest = _years_back(on, age + 1) + dt.timedelta(days=1)
    n = 0
    day = earliest
    while day <= latest:
        if age_on(day, on) == age and _fill(fragment, day.strftime("%Y%m%d")) is not None:
            n += 1
        day += dt.timedelta(days=1)
    return n


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def scan_bytes(data: bytes, *, today: dt.date | None = None) -> list[str]:
    """Valid ID numbers in clear in raw bytes (a database file, a dump, a log), ASCII or UTF-16.

    SQLite and PostgreSQL store text as UTF-8, where digits are single bytes; UTF-16 text
    (e.g. some Windows exports) is decoded at both byte alignments too, so digits separated
    by NUL bytes are not missed.
    """
    texts: Iterable[str] = (
        data.decode("latin-1"),
        data.decode("utf-16-le", errors="ignore"),
        data[1:].decode("utf-16-le", errors="ignore"),
    )
    found: dict[str, None] = {}
    for text in texts:
        for number in find_id_numbers(text, today=today):
            found[number] = None
    return list(found)


_CHUNK: Final = 8 * 1024 * 1024
_OVERLAP: Final = 128  # longer than any digit run that could hold a number (UTF-16: 2 × 30 bytes)


def scan_file(path: str, *, today: dt.date | None = None) -> list[str]:
    """:func:`scan_bytes` over a file of any size, read in overlapping chunks."""
    found: dict[str, None] = {}
    with open(path, "rb") as fh:
        tail = b""
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            for number in scan_bytes(tail + block, today=today):
                found[number] = None
            tail = block[-_OVERLAP:]
    return list(found)

"""The coded values of the project's vocabularies (rules.vocab, the models' choices) and the few ASCII
words a Chinese page may show (acronyms, units) — for the raw-code test."""

from __future__ import annotations

from functools import cache

from django.apps import apps

from jiuzhu.rules import vocab

# Words a Chinese page may legitimately show: acronyms and the language switch.
ALLOWED_WORDS = frozenset({"API", "English", "PDF", "CSV", "Excel", "xlsx", "csv", "ID", "GB", "PIN", "TOTP",
                           "OTP", "URL", "IP", "Parquet", "JSON", "SM", "HMAC", "XLSX", "JPEG", "PNG", "CPI"})
# Free text the test world itself typed (reasons given by tests/web/matrix_*.py), not UI text.
TEST_DATA_WORDS = frozenset({"matrix"})


@cache
def coded_values() -> frozenset[str]:
    out: set[str] = set()
    for name in dir(vocab):
        value = getattr(vocab, name)
        if isinstance(value, dict | frozenset | set | tuple | list):
            out.update(v for v in value if isinstance(v, str))
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for key, _label in getattr(field, "choices", None) or ():
                if isinstance(key, str):
                    out.add(key)
    return frozenset(w for w in out if w and w.isascii())

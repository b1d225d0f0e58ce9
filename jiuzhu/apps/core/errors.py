"""One shape for a refused request or decision: a stable code and messages in Chinese and English.

``ConflictError`` is the project's one error for a stale version (someone else changed the
record since it was read): every service raises it, every screen and API answers HTTP 409.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _


def in_both(message: Any, params: dict[str, Any] | None = None) -> tuple[str, str]:
    """A (lazily translated) message rendered in Chinese and in English, with its parameters."""
    out = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            text = str(message)
            out.append(text % params if params else text)
    return out[0], out[1]


class RefusedError(Exception):
    """Views show ``message_zh`` (or ``message_en``), APIs return ``code`` with both messages."""

    status = 400

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en

    @property
    def message(self) -> str:
        """The message in the language of the current request."""
        return self.message_en if (translation.get_language() or "").startswith("en") else self.message_zh


class ConflictError(RefusedError):
    """The record changed since the editor loaded it (a stale version): HTTP 409, nothing saved.

    *message* is a lazily translated text naming the record ("This household was changed …");
    ``str(err)`` is the message in the current language, so screens can show it as it is.
    """

    status = 409
    DEFAULT = _("This record was changed by someone else in the meantime; reload it and try again.")

    def __init__(self, message: Any = None, code: str = "conflict") -> None:
        zh, en = in_both(message if message is not None else self.DEFAULT)
        super().__init__(code, zh, en)

    def __str__(self) -> str:
        return self.message

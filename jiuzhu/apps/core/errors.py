"""One shape for a refused request or decision: a stable code and messages in Chinese and English."""

from __future__ import annotations


class RefusedError(Exception):
    """Views show ``message_zh`` (or ``message_en``), APIs return ``code`` with both messages."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


class ConflictError(Exception):
    """The record changed since the editor loaded it (HTTP 409 in the API, a form error on pages)."""

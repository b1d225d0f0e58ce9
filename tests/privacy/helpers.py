"""Going through a bulk export as a user does: the list's export link, a purpose, (approval), one download."""

from __future__ import annotations

from typing import Any

PURPOSE = "assistance_delivery"


def export_csv(client: Any, start_url: str, params: dict[str, Any] | None = None, purpose: str = PURPOSE) -> str:
    """Follow an export link (a redirect to the request page), ask with a purpose, download; the text."""
    start = client.get(start_url, params or {})
    assert start.status_code == 302, start.status_code
    made = client.post(start["Location"], {"purpose": purpose})
    assert made.status_code == 302, made.content.decode()[:500]
    response = client.get(made["Location"] + "download/")
    assert response.status_code == 200, response.content.decode()[:500]
    return b"".join(response.streaming_content).decode("utf-8-sig")

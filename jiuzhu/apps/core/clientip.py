"""The client's network address, behind a reverse proxy or not.

Behind a proxy (nginx, the government cloud's load balancer) every request arrives from the
proxy's address, so ``REMOTE_ADDR`` would put every resident in one rate-limit bucket.  The
proxy passes the client's address in a header, but that header is only trustworthy when the
proxy sets it: a client talking to the application directly can send any header it likes.
So the header is read **only when configured**:

- ``JIUZHU_CLIENT_IP_HEADER``: the header the proxy sets, e.g. ``X-Forwarded-For`` or
  ``X-Real-IP`` (also accepted in Django's ``HTTP_X_FORWARDED_FOR`` form); empty = no proxy.
- ``JIUZHU_CLIENT_IP_PROXIES``: for a comma-separated list (X-Forwarded-For), how many trusted
  proxies append to it; the client is the entry that many places from the end (1 = the last
  entry, the one our own proxy appended; entries before it were sent by the client).

A header that is missing or does not hold an IP address falls back to the socket address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _meta_key(header: str) -> str:
    header = header.strip()
    if header.upper().startswith("HTTP_") or header.upper() == "REMOTE_ADDR":
        return header.upper()
    return "HTTP_" + header.upper().replace("-", "_")


def _address(value: str) -> str:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def client_ip(request: Any) -> str:
    """The client's address as configured (see the module docstring); "" when unknown."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    header = getattr(settings, "JIUZHU_CLIENT_IP_HEADER", "") or ""
    if not header:
        return remote
    raw = request.META.get(_meta_key(header), "") or ""
    entries = [e for e in (p.strip() for p in raw.split(",")) if e]
    hops = max(1, int(getattr(settings, "JIUZHU_CLIENT_IP_PROXIES", 1) or 1))
    if len(entries) >= hops:
        found = _address(entries[-hops])
        if found:
            return found
    return remote

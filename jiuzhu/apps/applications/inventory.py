"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {}

"""Every stored field of the platform's own models is in the field inventory (RELIABILITY R16)."""

from __future__ import annotations

from django.apps import apps

from jiuzhu.apps.core.inventory import INVENTORY

CLASSES = {"identifier_enc", "blind_index", "masked", "personal", "sensitive", "location", "operational", "account", "audit"}


def test_every_field_is_classified() -> None:
    missing = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jiuzhu."):
            continue
        for model in config.get_models():
            tagged = INVENTORY.get(model._meta.label, {})
            missing += [f"{model._meta.label}.{f.name}" for f in model._meta.concrete_fields if f.name not in tagged]
    assert not missing, f"fields without a data class and purpose in core/inventory.py: {missing}"


def test_classes_are_known_and_purposes_given() -> None:
    for label, fields in INVENTORY.items():
        for name, (data_class, purpose) in fields.items():
            assert data_class in CLASSES, f"{label}.{name}: {data_class}"
            assert purpose, f"{label}.{name} has no purpose"


def test_identifiers_are_only_stored_encrypted() -> None:
    """A field named like an identifier is ciphertext, a blind index or a mask — never plain."""
    for label, fields in INVENTORY.items():
        for name, (data_class, _) in fields.items():
            if any(word in name for word in ("id_number", "phone", "bank_account")):
                assert data_class in {"identifier_enc", "blind_index", "masked"}, f"{label}.{name}"

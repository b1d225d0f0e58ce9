from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Bulk disclosure of personal data: stated purposes, caps, a second person's approval (ADR 0025)."""

    name = "jiuzhu.apps.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav

        from .config import check

        problems = check()
        if problems:  # a broken configuration must not start: it decides who gets bulk personal data
            raise RuntimeError("privacy configuration: " + "; ".join(problems))
        register_nav(90, _("Exports"), "privacy_exports", "export_registry", "view_share", "view_assistance",
                     "approve_exports")

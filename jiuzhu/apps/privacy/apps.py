from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Bulk disclosure of personal data: stated purposes, caps, a second person's approval (ADR 0025)."""

    name = "jiuzhu.apps.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from .config import check, purposes
        from .exports import EXPORTS
        from .models import ExportState

        problems = check()
        if problems:  # a broken configuration must not start: it decides who gets bulk personal data
            raise RuntimeError("privacy configuration: " + "; ".join(problems))
        register_nav(90, _("Exports"), "privacy_exports", "export_registry", "view_share", "view_assistance",
                     "approve_exports")
        register_vocabulary("purpose", lambda code: purposes().get(code, (None,))[0])
        register_vocabulary("export_kind", lambda key: EXPORTS[key].label if key in EXPORTS else None)
        register_vocabulary("export_state", {**dict(ExportState.choices), "within_cap": _("within the cap")})

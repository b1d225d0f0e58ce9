from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def household_section(request: Any, household: Any) -> dict[str, Any] | None:
    """The applications of a household, on its page (for users who may see applications)."""
    user = request.user
    if not user.has_capability("view_applications"):
        return None
    from .models import Application
    from .workflow import OPEN_STATES

    apps = list(Application.objects.filter(household=household).order_by("-submitted_on", "-id")[:20])
    can_apply = user.has_capability("process_applications") and not any(a.state in OPEN_STATES for a in apps)
    return {"applications": apps, "can_apply": can_apply}


class ApplicationsConfig(AppConfig):
    name = "jiuzhu.apps.applications"
    label = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        from jiuzhu.apps.core.hooks import (
            register_demo_step,
            register_household_section,
            register_nav,
        )

        from . import demo

        register_nav(40, _("Applications"), "applications_list", "view_applications")
        register_household_section(40, "applications/_household_section.html", household_section)
        register_demo_step(40, "applications", demo.demo_step)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jiuzhu.apps.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        from jiuzhu.apps.core.hooks import (
            register_demo_step,
            register_household_section,
            register_nav,
        )

        from . import demo, jobs, views  # noqa: F401 - jobs declares the kind "monitoring.comparison"

        register_nav(30, _("Early warnings"), "monitoring_workbench", "view_monitoring")
        register_household_section(30, "monitoring/_household_section.html", views.household_section)
        register_demo_step(80, "monitoring", demo.demo_step)

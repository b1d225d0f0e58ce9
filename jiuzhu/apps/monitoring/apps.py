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
            register_home_panel,
            register_household_section,
            register_nav,
        )
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import demo, home, jobs, views  # noqa: F401 - jobs declares the kind "monitoring.comparison"
        from .services.runs import TOPIC

        register_nav(30, _("Early warnings"), "monitoring_workbench", "view_monitoring")
        register_home_panel(20, ("view_monitoring",), home.panel)
        register_household_section(30, "monitoring/_household_section.html", views.household_section)
        register_demo_step(80, "monitoring", demo.demo_step)
        register_vocabulary("outbox_topic", {TOPIC: _("Early warning")})

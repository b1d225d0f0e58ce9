from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "jiuzhu.apps.applications"
    label = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks); imported
        # here because app modules touching models load only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import (
            register_demo_step,
            register_home_panel,
            register_household_section,
            register_nav,
        )
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import demo, home, views
        from .services.common import DOCUMENTS

        register_nav(40, _("Applications"), "applications_list", "view_applications")
        register_home_panel(30, ("view_applications",), home.panel)
        register_vocabulary("documents", DOCUMENTS)
        register_household_section(40, "applications/_household_section.html", views.household_section)
        register_demo_step(40, "applications", demo.demo_step)

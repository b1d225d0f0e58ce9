from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jiuzhu.apps.assistance"
    label = "assistance"
    verbose_name = "Assistance"

    def ready(self) -> None:
        # Menu entries, household-page sections, held categories and demo steps (jiuzhu.apps.core.hooks);
        # imported here because app modules touching models load only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import (
            register_demo_step,
            register_held_categories,
            register_household_section,
            register_nav,
        )

        from . import jobs  # noqa: F401 - declares the kinds "assistance.matching" and "assistance.payroll"
        from .demo import demo_step
        from .exports import register
        from .selectors import entitlement_categories
        from .views import household_section

        register_nav(70, _("Programmes"), "assistance_programmes", "view_assistance", "view_share")
        register_nav(71, _("People to serve"), "assistance_department_list", "view_assistance", "view_share")
        register_nav(72, _("Payrolls"), "assistance_payrolls", "view_assistance")
        register_household_section(40, "assistance/_household.html", household_section)
        register_held_categories(10, "assistance.entitlements", entitlement_categories)
        register_demo_step(60, "assistance", demo_step)
        register()  # the people to serve as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

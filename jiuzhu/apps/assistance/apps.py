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
            register_home_panel,
            register_household_column,
            register_household_section,
            register_listener,
            register_nav,
        )
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import (
            columns,
            home,
            jobs,  # noqa: F401 - declares the kinds "assistance.matching", ".payroll", ".adjustment"
        )
        from .adjustment import on_parameters_approved
        from .demo import demo_step, people_to_serve_step
        from .exports import register
        from .freshness import on_determination_stored, on_import_committed
        from .payroll import COLUMNS
        from .selectors import entitlement_categories
        from .services import AUTO_TOPIC, DECLINE_TOPIC
        from .views import household_section

        register_nav(70, _("Programmes"), "assistance_programmes", "view_assistance", "view_share")
        register_nav(71, _("People to serve"), "assistance_department_list", "view_assistance", "view_share")
        register_nav(72, _("Payrolls"), "assistance_payrolls", "view_assistance")
        register_home_panel(50, (home.MANAGE,), home.payroll_panel)
        register_home_panel(60, ("view_assistance", "view_share"), home.people_panel)
        register_household_column(10, "category", _("Category"), columns.categories,
                                  choices=columns.category_choices, filter=columns.filter_category)
        register_household_column(20, "amount", _("Monthly amount (yuan)"), columns.monthly_amounts, numeric=True)
        register_household_section(40, "assistance/_household.html", household_section)
        register_vocabulary("bank_file_columns", COLUMNS)
        register_vocabulary("outbox_topic", {AUTO_TOPIC: _("List of people enrolled without application"),
                                             DECLINE_TOPIC: _("Enrolment declined")})
        register_held_categories(10, "assistance.entitlements", entitlement_categories)
        register_demo_step(60, "assistance", demo_step)
        register_demo_step(65, "assistance.people_to_serve", people_to_serve_step)
        register_listener("parameters.approved", "assistance.adjustment", on_parameters_approved)
        register_listener("determination.stored", "assistance.people_to_serve", on_determination_stored)
        register_listener("exchange.committed", "assistance.people_to_serve", on_import_committed)
        register()  # the people to serve as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

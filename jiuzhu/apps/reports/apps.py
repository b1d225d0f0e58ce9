from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jiuzhu.apps.reports"
    label = "reports"
    verbose_name = "统计与测算 / Statistics and what-if"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import (
            register_demo_step,
            register_listener,
            register_nav,
            register_revision_section,
        )
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import jobs  # noqa: F401 - declares the kinds "reports.scenario", ".statistics", ".coverage", ".revision_effect"
        from .demo import demo_step
        from .effects import on_revision_drafted
        from .selectors import changes_shown
        from .services import on_determination_stored, on_matched
        from .views import revision_effect_section

        register_nav(80, _("Statistics"), "reports_dashboard", "view_statistics")
        register_nav(81, _("Policy simulation"), "reports_scenarios", "run_scenarios")
        # after the demo's determination run (sharing, 60): its statistics and one scenario
        register_demo_step(95, "reports", demo_step)
        # a draft parameter revision's effect on the registry: worked out when drafted, shown to its reviewer
        register_listener("parameters.drafted", "reports.revision_effect", on_revision_drafted)
        register_revision_section(10, "reports/_revision_effect.html", revision_effect_section)
        # the statistics follow each determination run, their coverage each matching run (jobs)
        register_listener("determination.stored", "reports.statistics", on_determination_stored)
        register_listener("assistance.matched", "reports.coverage", on_matched)
        # a scenario's change lines by title (the audit log's "scenario saved")
        register_vocabulary("scenario_change", lambda line: changes_shown([line])[0])

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jiuzhu.apps.reports"
    label = "reports"
    verbose_name = "统计与测算 / Statistics and what-if"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_demo_step, register_listener, register_nav

        from . import jobs  # noqa: F401 - declares the kinds "reports.scenario", ".statistics", ".coverage"
        from .demo import demo_step
        from .services import on_determination_stored, on_matched

        register_nav(80, _("Statistics"), "reports_dashboard", "view_statistics")
        register_nav(81, _("Policy simulation"), "reports_scenarios", "run_scenarios")
        # after the demo's determination run (sharing, 60): its statistics and one scenario
        register_demo_step(95, "reports", demo_step)
        # the statistics follow each determination run, their coverage each matching run (jobs)
        register_listener("determination.stored", "reports.statistics", on_determination_stored)
        register_listener("assistance.matched", "reports.coverage", on_matched)

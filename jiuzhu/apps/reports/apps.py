from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jiuzhu.apps.reports"
    label = "reports"
    verbose_name = "统计与测算 / Statistics and what-if"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_demo_step, register_nav
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import jobs  # noqa: F401 - declares the kinds of job "reports.scenario" and "reports.statistics"
        from .demo import demo_step
        from .selectors import changes_shown

        register_nav(80, _("Statistics"), "reports_dashboard", "view_statistics")
        register_nav(81, _("Policy simulation"), "reports_scenarios", "run_scenarios")
        # after the demo's determination run (sharing, 60): its statistics and one scenario
        register_demo_step(95, "reports", demo_step)
        # a scenario's change lines by title (the audit log's "scenario saved")
        register_vocabulary("scenario_change", lambda line: changes_shown([line])[0])

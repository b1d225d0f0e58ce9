from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jiuzhu.apps.reports"
    label = "reports"
    verbose_name = "统计与测算 / Statistics and what-if"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav

        register_nav(80, _("Statistics"), "reports_dashboard", "view_statistics")
        register_nav(81, _("Policy simulation"), "reports_scenarios", "run_scenarios")

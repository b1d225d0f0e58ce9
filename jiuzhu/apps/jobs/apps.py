from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jiuzhu.apps.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav

        register_nav(90, _("Jobs"), "job_list", "view_jobs")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jiuzhu.apps.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from .kinds import KINDS

        register_nav(90, _("Jobs"), "job_list", "view_jobs")
        register_vocabulary("job_kind", lambda key: KINDS[key].label if key in KINDS else None)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "jiuzhu.apps.sharing"
    label = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_demo_step, register_nav

        from .catalogue import check
        from .demo import demo_step
        from .exports import register

        problems = check()
        if problems:  # a broken catalogue must not start: it decides what departments see
            raise RuntimeError("sharing catalogue: " + "; ".join(problems))
        register_nav(60, _("Shared data"), "sharing_catalogue", "view_share", "query_low_income")
        register_demo_step(60, "sharing", demo_step)
        register()  # the catalogue's people as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jiuzhu.apps.supervision"
    label = "supervision"
    verbose_name = "双随机一公开 / Double-random inspections"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_nav

        register_nav(82, _("Double-random inspections"), "supervision_draws", "supervise_inspections")

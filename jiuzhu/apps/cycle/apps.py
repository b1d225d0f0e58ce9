from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "jiuzhu.apps.cycle"
    label = "cycle"
    verbose_name = "Monthly cycle"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - declares the job kind "cycle.monthly"

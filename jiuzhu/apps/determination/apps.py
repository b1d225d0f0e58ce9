from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "jiuzhu.apps.determination"
    label = "determination"
    verbose_name = "认定 / Determination"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - declares the kind of job "determination.run"

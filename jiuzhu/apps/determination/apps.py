from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "jiuzhu.apps.determination"
    label = "determination"
    verbose_name = "认定 / Determination"

    def ready(self) -> None:
        # The demo lists the local choices in force (jiuzhu.apps.core.hooks).
        from jiuzhu.apps.core.hooks import register_demo_step

        from .demo import local_choices_step

        register_demo_step(15, "determination.local_choices", local_choices_step)


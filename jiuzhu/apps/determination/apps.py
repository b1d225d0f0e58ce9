from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "jiuzhu.apps.determination"
    label = "determination"
    verbose_name = "认定 / Determination"

    def ready(self) -> None:
        # Django imports app modules that touch models only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import register_demo_step, register_household_section

        from . import (
            jobs,  # noqa: F401 - declares the kind of job "determination.run"
            views,
        )
        from .demo import local_choices_step

        register_household_section(0, "determination/_summary.html", views.household_section, slot="summary")
        # The demo lists the local choices in force.
        register_demo_step(15, "determination.local_choices", local_choices_step)

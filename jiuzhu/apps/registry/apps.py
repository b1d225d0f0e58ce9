from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.apps.registry"
    label = "registry"
    verbose_name = "低收入人口数据库 / Registry"

    def ready(self) -> None:
        # Django imports app modules that touch models only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import register_home_section

        from . import (
            jobs,  # noqa: F401 - declares the kinds "registry.load" and "registry.export"
            views,
        )

        register_home_section(10, "registry/_home.html", views.home_section)

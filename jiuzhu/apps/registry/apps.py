from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.apps.registry"
    label = "registry"
    verbose_name = "低收入人口数据库 / Registry"

    def ready(self) -> None:
        # Django imports app modules that touch models only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import register_home_section

        from . import views
        from .exports import register

        register_home_section(10, "registry/_home.html", views.home_section)
        register()  # the household list as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

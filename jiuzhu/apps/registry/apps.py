from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.apps.registry"
    label = "registry"
    verbose_name = "低收入人口数据库 / Registry"

    def ready(self) -> None:
        from .exports import register

        register()  # the household list as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.apps.registry"
    label = "registry"
    verbose_name = "低收入人口数据库 / Registry"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - declares the kinds "registry.load" and "registry.export"

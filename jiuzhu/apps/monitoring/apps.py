from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.apps.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        pass

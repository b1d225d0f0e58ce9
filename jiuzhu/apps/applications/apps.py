from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "jiuzhu.apps.applications"
    label = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        pass

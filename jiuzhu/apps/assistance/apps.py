from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "jiuzhu.apps.assistance"
    label = "assistance"
    verbose_name = "Assistance"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        pass

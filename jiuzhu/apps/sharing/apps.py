from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "jiuzhu.apps.sharing"
    label = "sharing"
    verbose_name = "Sharing"

    def ready(self) -> None:
        # Menu entries, household-page sections and demo steps (jiuzhu.apps.core.hooks).
        pass

from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "jiuzhu.apps.determination"
    label = "determination"
    verbose_name = "认定 / Determination"

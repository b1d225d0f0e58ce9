from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.apps.policy"
    label = "policy"
    verbose_name = "政策参数 / Policy parameters"

    def ready(self) -> None:
        # The home page's panel (jiuzhu.apps.core.hooks); app modules load once the apps registry is ready.
        from jiuzhu.apps.core.hooks import register_home_panel

        from . import home

        register_home_panel(40, (home.CAP,), home.panel)

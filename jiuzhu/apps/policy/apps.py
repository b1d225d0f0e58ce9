from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.apps.policy"
    label = "policy"
    verbose_name = "政策参数 / Policy parameters"

    def ready(self) -> None:
        # The home page's panel (jiuzhu.apps.core.hooks); app modules load once the apps registry is ready.
        from jiuzhu.apps.core.hooks import register_home_panel
        from jiuzhu.apps.core.vocabulary import register_vocabulary

        from . import home
        from .selectors import current_parameters

        register_home_panel(40, (home.CAP,), home.panel)
        # a parameter by its title (the audit log's revisions)
        register_vocabulary("parameter", lambda path: getattr(current_parameters().nodes.get(path), "label_zh", None))

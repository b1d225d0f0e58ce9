from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiuzhu.apps.exchange"
    label = "exchange"
    verbose_name = "Data exchange"

    def ready(self) -> None:
        from jiuzhu.apps.core.hooks import register_demo_step

        from . import jobs  # noqa: F401 - declares the kind "exchange.import"
        from .demo import chain_examples

        register_demo_step(90, "exchange.chain_examples", chain_examples)

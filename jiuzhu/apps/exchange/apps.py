from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiuzhu.apps.exchange"
    label = "exchange"
    verbose_name = "Data exchange"

    def ready(self) -> None:
        # Django imports app modules that touch models only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import register_demo_step, register_household_section

        from . import (
            jobs,  # noqa: F401 - declares the kind "exchange.import"
            views_chain,
        )
        from .demo import chain_examples

        register_household_section(10, "exchange/_chain.html", views_chain.household_section)
        register_demo_step(90, "exchange.chain_examples", chain_examples)

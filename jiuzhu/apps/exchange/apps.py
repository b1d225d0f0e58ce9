from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jiuzhu.apps.exchange"
    label = "exchange"
    verbose_name = "Data exchange"

from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.apps.policy"
    label = "policy"
    verbose_name = "政策参数 / Policy parameters"

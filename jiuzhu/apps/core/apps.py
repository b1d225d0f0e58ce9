from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.apps.core"
    label = "core"
    verbose_name = "核心 / Core"

    def ready(self) -> None:
        # RELIABILITY R19: refuse to start when the linked OpenSSL gives wrong
        # SM3/SM4 answers; every later encryption would be silently wrong.
        from jiuzhu.pii.crypto import self_test

        self_test()

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
        from . import checks, home, otp  # noqa: F401  (system checks; the login-time signal)
        from .hooks import register_home_panel, register_household_section
        from .views import household_reads_section

        register_home_panel(90, ("manage_accounts", "manage_roles"), home.accounts_panel)
        register_home_panel(91, ("read_audit",), home.audit_panel)

        register_household_section(90, "core/_household_reads.html", household_reads_section)


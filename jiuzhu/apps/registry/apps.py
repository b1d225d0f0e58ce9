from typing import Any

from django.apps import AppConfig


def _household(pk: Any) -> tuple[Any, dict[str, Any]]:
    return pk, {}


def _member(pk: Any) -> tuple[Any, dict[str, Any]]:
    from .models import Member  # deferred: models load once the app registry is ready

    return Member.objects.filter(pk=pk).values_list("household_id", flat=True).first(), {"member": int(pk)}


class RegistryConfig(AppConfig):
    name = "jiuzhu.apps.registry"
    label = "registry"
    verbose_name = "低收入人口数据库 / Registry"

    def ready(self) -> None:
        # Django imports app modules that touch models only once the registry of apps is ready.
        from jiuzhu.apps.core.hooks import register_home_section, register_read_audit

        from . import (
            jobs,  # noqa: F401 - declares the kind "registry.load"
            views,
        )
        from .exports import register

        register_home_section(10, "registry/_home.html", views.home_section)
        register()  # the household list as a bulk export (purpose, cap, approval: jiuzhu.apps.privacy)

        # Every page and API record showing one household's or member's data (issue 12 item 6).
        for name in ("household_detail", "household_history", "household_determination",
                     "api-household-detail", "api-household-chain", "api-household-determination"):
            register_read_audit(name, "pk", _household)
        for name in ("member_edit", "member_chain", "api-member-detail"):
            register_read_audit(name, "pk", _member)

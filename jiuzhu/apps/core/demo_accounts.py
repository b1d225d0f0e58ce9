"""The demo's accounts: one per role, all with the one demo password (docs/operators.md).

Used by ``jiuzhu demo`` and by the apps' demo steps that add accounts of their own
(second caseworkers, department users).  Never used outside the demo.
"""

from __future__ import annotations

from typing import Any

from .choices import ADMIN_ROLES
from .models import Region, User
from .services import user_create

DEMO_PASSWORD = "Jiuzhu@2026"
# The three administrators need 12 characters (RELIABILITY R1), one more than DEMO_PASSWORD has.
DEMO_ADMIN_PASSWORD = "Jiuzhu@2026-admin"

DEMO_USERS: list[dict[str, Any]] = [
    {"username": "province", "role": "province", "region": "360000", "full_name": "省厅经办员"},
    {"username": "city", "role": "city", "region": "360100", "full_name": "南昌市经办员"},
    {"username": "county", "role": "county", "region": "360124", "full_name": "进贤县经办员"},
    {"username": "county_b", "role": "county", "region": "360730", "full_name": "宁都县经办员"},
    {"username": "township", "role": "township", "region": None, "full_name": "乡镇经办员", "township_of": "360124"},
    {"username": "dept_medical", "role": "department", "region": None, "department": "medical_insurance", "full_name": "医保局数据员"},
    {"username": "auditor", "role": "auditor", "region": "360000", "full_name": "审计员"},
    {"username": "sysadmin", "role": "sysadmin", "region": "360000", "full_name": "系统管理员"},
    {"username": "secadmin", "role": "secadmin", "region": "360000", "full_name": "安全管理员"},
    {"username": "auditadmin", "role": "auditadmin", "region": "360000", "full_name": "审计管理员"},
]


def demo_password(role: str) -> str:
    return DEMO_ADMIN_PASSWORD if role in ADMIN_ROLES else DEMO_PASSWORD


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """One demo account per role (idempotent).  Returns (username, role label, region)."""
    out = []
    for spec in DEMO_USERS:
        region_code = spec.get("region")
        if spec.get("township_of"):
            region_code = (
                Region.objects.filter(parent_id=spec["township_of"], level="township")
                .order_by("code").values_list("code", flat=True).first()
            )
        region = Region.objects.filter(code=region_code).first() if region_code else None
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            user = user_create(
                actor=None, username=spec["username"], password=demo_password(spec["role"]), role=spec["role"],
                region=region, department=spec.get("department", ""), full_name=spec["full_name"],
            )
        out.append((user.username, str(user.get_role_display()), str(user.region or user.get_department_display() or "")))
    return out

"""Roles and departments.

A user holds exactly one role (a single field, so "no one holds two of the
three administrator roles" is structural).  What each role may do is declared
once, in CAPABILITIES; views, the API and exports ask `has_capability`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE = "province", _("Province caseworker")
    CITY = "city", _("City caseworker")
    COUNTY = "county", _("County caseworker")
    TOWNSHIP = "township", _("Township caseworker")
    DEPARTMENT = "department", _("Department user")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "sysadmin", _("System administrator")
    SECURITY_ADMIN = "secadmin", _("Security administrator")
    AUDIT_ADMIN = "auditadmin", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
CASEWORKER_ROLES = frozenset({Role.PROVINCE, Role.CITY, Role.COUNTY, Role.TOWNSHIP})

# The region level a caseworker of each role belongs to.
ROLE_REGION_LEVEL = {
    Role.PROVINCE: "province",
    Role.CITY: "city",
    Role.COUNTY: "county",
    Role.TOWNSHIP: "township",
}


class Department(models.TextChoices):
    """The departments that share data with the platform (实施意见 §8, issue 4)."""

    EDUCATION = "education", _("Education")
    HRSS = "hrss", _("Human resources and social security")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    HEALTH = "health", _("Health commission")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance bureau")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation")
    TRADE_UNION = "trade_union", _("Trade union")
    HOUSING = "housing", _("Housing and urban-rural development")
    EMERGENCY = "emergency", _("Emergency management")
    JUSTICE = "justice", _("Justice")
    PUBLIC_SECURITY = "public_security", _("Public security")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    BANKS = "banks", _("Banks (under authorisation)")
    SERVICE_OFFICE = "service_office", _("Government service office")


class Capability(models.TextChoices):
    VIEW_REGISTRY = "view_registry", _("View households in scope")
    EDIT_REGISTRY = "edit_registry", _("Create and edit households")
    EXPORT_REGISTRY = "export_registry", _("Export household lists")
    UNMASK = "unmask", _("Reveal a masked ID number (with a reason)")
    MANAGE_ACCOUNTS = "manage_accounts", _("Create and disable accounts")
    MANAGE_ROLES = "manage_roles", _("Assign roles")
    READ_AUDIT = "read_audit", _("Read the audit log")
    VIEW_ACCESS_LOG = "view_access_log", _("See who looked at a household in scope")
    EDIT_PARAMETERS = "edit_parameters", _("Draft and approve parameter revisions for one's region")
    RUN_DETERMINATION = "run_determination", _("Run the determination over the registry")
    UPLOAD_DATA = "upload_data", _("Upload department data files")
    VIEW_EXCHANGE = "view_exchange", _("View data-exchange import batches")
    QUERY_LOW_INCOME = "query_low_income", _("Ask whether a person (exact ID number) is in the low-income population")
    VIEW_SHARE = "view_share", _("See the people and fields one's department's sharing catalogue allows")
    DECIDE_CONFLICTS = "decide_conflicts", _("Accept or reject a department value that conflicts with the registry")
    VIEW_MONITORING = "view_monitoring", _("See early warnings and the monitoring dashboard")
    HANDLE_WARNINGS = "handle_warnings", _("Verify, handle, transfer and close early warnings")
    VIEW_APPLICATIONS = "view_applications", _("See applications for assistance")
    PROCESS_APPLICATIONS = "process_applications", _("Take in, check, visit and give an opinion on applications")
    DECIDE_APPLICATIONS = "decide_applications", _("Approve or refuse applications (county)")
    VIEW_ASSISTANCE = "view_assistance", _("See the programme matrix, matching and payments")
    MANAGE_PAYROLL = "manage_payroll", _("Generate, approve, export and reconcile monthly payrolls")
    APPROVE_EXPORTS = "approve_exports", _("Approve another person's bulk export of personal data above the cap")
    VIEW_JOBS = "view_jobs", _("See the background jobs in one's scope (and those one started)")


C = Capability
_OVERSEE = {C.VIEW_REGISTRY, C.VIEW_EXCHANGE, C.VIEW_MONITORING, C.VIEW_APPLICATIONS, C.VIEW_ASSISTANCE, C.VIEW_JOBS}
CAPABILITIES: dict[str, frozenset[str]] = {
    # Bulk exports above the cap wait for a second caseworker of the requester's region or above
    # (ADR 0025); departments' exports for the province's.
    Role.PROVINCE: frozenset({*_OVERSEE, C.EXPORT_REGISTRY, C.EDIT_PARAMETERS, C.RUN_DETERMINATION,
                              C.VIEW_ACCESS_LOG, C.APPROVE_EXPORTS}),
    Role.CITY: frozenset({*_OVERSEE, C.EXPORT_REGISTRY, C.EDIT_PARAMETERS, C.VIEW_ACCESS_LOG, C.APPROVE_EXPORTS}),
    # The county decides (审核确认), runs payrolls, handles warnings escalated to it and decides
    # registry conflicts; the township takes in applications, visits and verifies warnings.
    Role.COUNTY: frozenset({*_OVERSEE, C.EDIT_REGISTRY, C.EXPORT_REGISTRY, C.UNMASK, C.EDIT_PARAMETERS,
                            C.UPLOAD_DATA, C.DECIDE_CONFLICTS, C.HANDLE_WARNINGS, C.PROCESS_APPLICATIONS,
                            C.DECIDE_APPLICATIONS, C.MANAGE_PAYROLL, C.VIEW_ACCESS_LOG, C.APPROVE_EXPORTS}),
    Role.TOWNSHIP: frozenset({C.VIEW_REGISTRY, C.EDIT_REGISTRY, C.UNMASK, C.VIEW_MONITORING, C.HANDLE_WARNINGS,
                              C.VIEW_APPLICATIONS, C.PROCESS_APPLICATIONS, C.VIEW_ASSISTANCE, C.VIEW_JOBS}),
    # Departments see registry data only through their share catalogue (view_share, the exact-ID
    # query); they upload their own department's feeds and see their department's import batches.
    Role.DEPARTMENT: frozenset({C.UPLOAD_DATA, C.VIEW_EXCHANGE, C.QUERY_LOW_INCOME, C.VIEW_SHARE, C.VIEW_JOBS}),
    # "Who looked at this household" (查阅记录): county level and above, and the auditor; not the
    # township, whose staff would see their colleagues' look-ups of their own neighbours.
    Role.AUDITOR: frozenset({*_OVERSEE, C.VIEW_ACCESS_LOG}),
    # 三权分立 (RELIABILITY R8): the system admin manages accounts but sees no
    # data and no audit log; the security admin assigns roles; the audit
    # admin only reads the audit log.
    Role.SYSTEM_ADMIN: frozenset({C.MANAGE_ACCOUNTS}),
    Role.SECURITY_ADMIN: frozenset({C.MANAGE_ROLES}),
    Role.AUDIT_ADMIN: frozenset({C.READ_AUDIT}),
}


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


LEVEL_DEPTH = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}

"""Field inventory (RELIABILITY R16; PIPL Arts. 5–6, 28–30): every stored field, its data class and purpose.

A test walks every model of the platform and fails on a field missing here,
so nothing personal is stored without someone having said why.

Data classes:
- ``identifier_enc``  an identifier stored only as SM4-GCM ciphertext
- ``blind_index``     HMAC-SM3 of an identifier, for exact look-up; not reversible without the key
- ``masked``          a masked rendering of an identifier, for display
- ``personal``        personal information shown to caseworkers in scope (names, birth dates, relations)
- ``sensitive``       sensitive personal information (health, disability, finances: PIPL Art. 28)
- ``location``        region codes and addresses
- ``operational``     keys, versions, timestamps, codes without personal meaning
- ``account``         platform accounts and credentials
- ``audit``           audit and change records (masked values only)
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps

OPS = "operational"

_PURPOSE_ID = "核对身份、关联部门数据 / identify the person and match departments' data"
_PURPOSE_ASSESS = "家庭经济状况认定 / assess the household's eligibility"
_PURPOSE_CONTACT = "联系申请人、发放资金 / contact the household, pay benefits"
_PURPOSE_HISTORY = "留痕可追溯 / record who changed what, when"
_PURPOSE_EXCHANGE = "部门数据共享与核对（来源、批次、日期） / department data exchange, with provenance"
_PURPOSE_CHAIN = "一户（人）一条救助链、重复救助核查 / the assistance chain, duplicate checks"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "core.Region": {f: ("location", "行政区划 / administrative divisions") for f in
                    ("code", "name", "level", "parent", "valid_from", "valid_to", "note")},
    "core.RegionClosure": {f: (OPS, "管辖范围计算 / region scoping") for f in ("id", "ancestor", "descendant", "depth")},
    "core.User": {
        **{f: ("account", "平台账号 / platform accounts") for f in (
            "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
            "is_staff", "is_active", "date_joined", "role", "region", "department")},
        "failed_logins": ("account", "登录失败锁定 / login lockout"),
        "locked_until": ("account", "登录失败锁定 / login lockout"),
        "created_by": ("account", "三权分立：谁创建了账号 / three-admin separation: who created the account"),
        "must_change_password": ("account", "首次登录须改密 / change an administrator-set password"),
        "password_changed_at": ("account", "密码有效期 / password expiry"),
    },
    "core.PasswordHistory": {f: ("account", "不得重复使用最近5个密码 / no reuse of the last five passwords")
                             for f in ("id", "user", "password", "at")},
    "core.AuditAnchor": {f: ("audit", "审计日志防篡改（签名锚点、归档） / tamper-evident audit: anchors, archives")
                         for f in ("id", "at", "kind", "last_id", "last_hash", "rows", "archive_file",
                                   "archive_sm3", "signature")},
    "core.RefusalWindow": {f: ("audit", "越权探测告警 / bursts of refused requests as security events")
                           for f in ("id", "user", "window_start", "refused", "alerted")},
    "core.RecoveryCodeDevice": {f: ("account", "双因素认证恢复码 / two-factor recovery codes")
                                for f in ("id", "user", "name", "confirmed")},
    "core.RecoveryCode": {f: ("account", "双因素认证恢复码（仅存哈希） / recovery codes, keyed hashes only")
                          for f in ("id", "device", "code_hash", "used_at")},
    "otp_totp.TOTPDevice": {f: ("account", "双因素认证 / two-factor login (TOTP, RFC 6238)") for f in (
        "id", "user", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t",
        "throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at")},
    "core.AuditEvent": {f: ("audit", "安全审计 / security audit (MLPS, Cybersecurity Law Art. 21)") for f in (
        "id", "at", "actor", "actor_username", "role", "region_code", "ip", "request_id", "event",
        "object_type", "object_id", "outcome", "detail", "chain_hash")},
    "registry.Household": {
        "id": (OPS, "key"), "uid": (OPS, "加密绑定行标识 / row identity bound into ciphertexts"),
        "code": (OPS, "户编号 / household number"),
        "county": ("location", _PURPOSE_ASSESS), "township": ("location", _PURPOSE_ASSESS),
        "village": ("location", _PURPOSE_ASSESS), "area_type": ("location", _PURPOSE_ASSESS),
        "address": ("location", _PURPOSE_CONTACT),
        "phone_enc": ("identifier_enc", _PURPOSE_CONTACT), "phone_masked": ("masked", _PURPOSE_CONTACT),
        "registered_on": (OPS, _PURPOSE_HISTORY), "version": (OPS, "并发控制 / concurrency control"),
        "created_at": (OPS, _PURPOSE_HISTORY), "updated_at": (OPS, _PURPOSE_HISTORY),
    },
    "registry.Member": {
        "id": (OPS, "key"), "uid": (OPS, "加密绑定行标识 / row identity bound into ciphertexts"),
        "household": (OPS, _PURPOSE_ASSESS),
        "id_number_enc": ("identifier_enc", _PURPOSE_ID), "id_number_index": ("blind_index", _PURPOSE_ID),
        "id_number_masked": ("masked", _PURPOSE_ID), "id_upgraded_from_15": (OPS, _PURPOSE_ID),
        "name": ("personal", _PURPOSE_ID), "sex": ("personal", _PURPOSE_ASSESS),
        "birth_date": ("personal", "年龄条件（特困、无劳动能力） / age conditions"),
        "relation": ("personal", "共同生活家庭成员认定 / who belongs to the household"),
        "hukou_code": ("location", "户籍地条件 / household-registration condition"),
        "work_capacity": ("sensitive", _PURPOSE_ASSESS), "work_capacity_assessed_by": ("sensitive", _PURPOSE_ASSESS),
        "disability_type": ("sensitive", _PURPOSE_ASSESS),
        "disability_grade": ("sensitive", _PURPOSE_ASSESS),
        # 残疾人证号 embeds the ID number: encrypted and masked like it (ADR 0024).
        "disability_cert_no_enc": ("identifier_enc", _PURPOSE_ASSESS),
        "disability_cert_no_masked": ("masked", _PURPOSE_ASSESS),
        "serious_illness": ("sensitive", _PURPOSE_ASSESS), "school_stage": ("personal", "教育救助 / education assistance"),
        "employment": ("personal", _PURPOSE_ASSESS),
        **{f: ("sensitive", "特困人员照料护理等级 / tekun care level") for f in (
            "adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing")},
        "phone_enc": ("identifier_enc", _PURPOSE_CONTACT), "phone_masked": ("masked", _PURPOSE_CONTACT),
        "bank_account_enc": ("identifier_enc", "发放资金 / pay benefits"),
        "bank_account_masked": ("masked", "发放资金 / pay benefits"),
    },
    **{
        label: {
            "id": (OPS, "key"), "uid": (OPS, "加密绑定行标识 / row identity bound into ciphertexts"),
            "household": (OPS, _PURPOSE_ASSESS), "member": (OPS, _PURPOSE_ASSESS),
            **{f: ("sensitive", _PURPOSE_ASSESS) for f in fields},
        }
        for label, fields in (
            ("registry.IncomeItem", ("income_type", "subtype", "amount", "period_start", "period_end", "counted", "exclusion_reason")),
            ("registry.PropertyItem", ("property_type", "description", "value", "exempt", "exempt_reason")),
            ("registry.Expense", ("expense_type", "amount", "period_start", "period_end")),
        )
    },
    "registry.Supporter": {
        "id": (OPS, "key"), "uid": (OPS, "加密绑定行标识 / row identity bound into ciphertexts"),
        "household": (OPS, _PURPOSE_ASSESS),
        "supported_members": (OPS, "法定义务人对哪位成员负有义务（特困按人认定） / whom the supporter must support"),
        "name": ("personal", "法定义务人认定 / legal supporters"),
        "id_number_enc": ("identifier_enc", _PURPOSE_ID), "id_number_index": ("blind_index", _PURPOSE_ID),
        "id_number_masked": ("masked", _PURPOSE_ID), "relation": ("personal", "法定义务人认定 / legal supporters"),
        "able_to_support": ("sensitive", _PURPOSE_ASSESS), "reason": ("sensitive", _PURPOSE_ASSESS),
    },
    "registry.ChangeRecord": {f: ("audit", _PURPOSE_HISTORY) for f in (
        "id", "household", "object_type", "object_uid", "action", "at", "actor", "actor_username",
        "before", "after", "changed_fields", "reason")},
    "policy.ParameterRevision": {f: (OPS, "政策参数修订（双人审批） / parameter revisions, four-eyes") for f in (
        "id", "path", "region", "area", "effective_from", "value", "reference", "note", "status",
        "created_by", "created_at", "decided_by", "decided_at", "decision_note")},
    "determination.DeterminationRun": {f: (OPS, "批量认定留痕 / batch determination record") for f in (
        "id", "job", "as_of", "households", "parameter_version")},
    "determination.DeterminationResult": {
        **{f: (OPS, "认定结果留痕 / determination record") for f in ("id", "run", "household", "as_of", "parameter_version", "error")},
        **{f: ("sensitive", _PURPOSE_ASSESS) for f in ("main_category", "categories", "benefits", "total_benefit",
                                                         "member_categories")},
    },
    "determination.DeterminationTotal": {
        **{f: (OPS, "认定统计（按乡镇、按人） / statistics by township and person") for f in (
            "id", "run", "township", "category", "persons", "households")},
    },
    "determination.CaseFact": {
        **{f: (OPS, "认定所需的事实留痕 / facts the determination needs, with who recorded them") for f in (
            "id", "household", "member", "ref", "recorded_by", "created_at")},
        # A refusal, an exit, imprisonment, a confirmed hardship: sensitive (PIPL Art. 28).
        **{f: ("sensitive", _PURPOSE_ASSESS) for f in ("fact", "on", "until", "reason")},
    },
    "exchange.ImportBatch": {f: (OPS, _PURPOSE_EXCHANGE) for f in (
        "id", "uid", "source", "department", "content_hash", "state", "channel", "filename", "file_format", "size",
        "uploaded_by", "received_at", "validated_at", "finished_at", "rows_total", "rows_valid", "rows_error",
        "rows_new", "rows_updated", "rows_unchanged", "errors_total", "errors_preview", "error_report",
        "file_error")},
    "exchange.DepartmentRecord": {
        **{f: (OPS, _PURPOSE_EXCHANGE) for f in (
            "id", "uid", "source", "department", "batch", "key_digest", "values_digest", "event_date",
            "member", "household", "created_at", "updated_at")},
        "person_index": ("blind_index", _PURPOSE_ID), "id_number_enc": ("identifier_enc", _PURPOSE_ID),
        "id_number_masked": ("masked", _PURPOSE_ID), "id_upgraded_from_15": (OPS, _PURPOSE_ID),
        "secrets_enc": ("identifier_enc", _PURPOSE_ID),
        "payload": ("sensitive", "部门共享数据（不含标识） / department facts without identifiers"),
    },
    "exchange.AssistanceRecord": {
        **{f: (OPS, _PURPOSE_CHAIN) for f in (
            "id", "uid", "member", "household", "source", "fact_key", "batch", "record", "created_at")},
        "person_index": ("blind_index", _PURPOSE_ID),
        **{f: ("sensitive", _PURPOSE_CHAIN) for f in (
            "programme", "department", "start_date", "end_date", "amount", "amount_basis", "in_kind")},
    },
    "exchange.RegistryConflict": {
        **{f: (OPS, _PURPOSE_EXCHANGE) for f in ("id", "member", "field", "source", "batch", "record", "status",
                                                 "created_at", "decided_by", "decided_at")},
        "registry_value": ("sensitive", _PURPOSE_ASSESS), "department_value": ("sensitive", _PURPOSE_ASSESS),
        "decision_reason": ("sensitive", _PURPOSE_ASSESS),
    },
    "exchange.OutboxMessage": {
        **{f: (OPS, "向部门推送（事务性发件箱） / pushes to departments (transactional outbox)") for f in (
            "id", "uid", "key", "department", "topic", "state", "attempts", "next_attempt_at", "last_error",
            "created_at", "delivered_at", "acked_at")},
        # Payloads carry masked identifiers or blind indexes only (outbox.enqueue's contract).
        "payload": ("sensitive", "向部门推送预警、名单 / warnings and lists pushed to departments"),
    },
    "exchange.PushNonce": {f: (OPS, "签名请求防重放 / refuse replayed signed requests") for f in (
        "id", "key_id", "nonce", "seen_at", "expires_at")},
    "exchange.IdempotencyRecord": {f: (OPS, "幂等键：重复推送返回原结果 / idempotent pushes") for f in (
        "id", "scope", "key", "fingerprint", "batch", "created_at", "expires_at")},
}


def _merge_app_inventories() -> None:
    """Each app built on core declares its own fields in ``<app>/inventory.py`` (found through the
    installed apps, the way Django finds ``admin`` modules: core imports none of them)."""
    for config in apps.get_app_configs():
        if config.name.startswith("jiuzhu.apps.") and config.label != "core" \
                and importlib.util.find_spec(f"{config.name}.inventory") is not None:
            INVENTORY.update(importlib.import_module(f"{config.name}.inventory").INVENTORY)


_merge_app_inventories()

"""Database triggers that keep the audit log append-only (RELIABILITY R11, Z9), on both databases.

The triggers are the first line (an accidental or casual UPDATE/DELETE fails); the hash
chain (core/chain.py) is the proof that holds even when someone drops them.
"""

from __future__ import annotations

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION jiuzhu_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql"""

TABLES = ("core_auditevent", "core_auditanchor")


def create_statements(vendor: str) -> list[str]:
    out: list[str] = []
    for table in TABLES:
        if vendor == "postgresql":
            out.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION jiuzhu_audit_append_only()")
        elif vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                out.append(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")
    if vendor == "postgresql":
        out.insert(0, _PG_FUNCTION)
    return out


def drop_statements(vendor: str) -> list[str]:
    out: list[str] = []
    for table in TABLES:
        if vendor == "postgresql":
            out.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            out += [f"DROP TRIGGER IF EXISTS {table}_no_{op} " for op in ("update", "delete")]
    return out

"""Make the audit log append-only in the database itself (RELIABILITY R11).

PostgreSQL (production): a trigger refuses UPDATE and DELETE on
core_auditevent; TRUNCATE (used only by test flushes and operators) is a
separate privilege to withhold from the application role.  The embedded
SQLite demo relies on the model's own refusal.
"""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION jiuzhu_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only
  BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION jiuzhu_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS jiuzhu_audit_append_only();
"""
def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""Append-only audit tables on both databases (RELIABILITY R11, Z9; issue 12 item 8).

Replaces 0002's PostgreSQL-only trigger with triggers on PostgreSQL and SQLite over the
audit log and its anchors (core/triggers.py).  TRUNCATE (test flushes, operators) is a
separate privilege to withhold from the application role on PostgreSQL.
"""

from django.db import migrations

from jiuzhu.apps.core.triggers import create_statements, drop_statements


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in drop_statements(vendor) + create_statements(vendor):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_accounts_otp_audit_chain")]
    operations = [migrations.RunPython(forwards, backwards)]

"""Encrypt the plaintext disability certificate numbers, then blank them (ADR 0024).

Resumable and idempotent: not one transaction but one per chunk, and only rows still holding
plaintext are touched, so a run killed half-way is finished by running ``migrate`` again and a
second run changes nothing.  Change records (whose JSON kept the plaintext too) are rewritten
with the masked value.  On SQLite the write-ahead log is truncated at the end so no old page
with a plaintext number stays in the -wal file (``secure_delete`` zeroes freed pages).
"""

from django.db import connection, migrations, transaction

CHUNK = 2000
PLAIN, MASKED = "disability_cert_no", "disability_cert_no_masked"


def _encrypt_members(Member) -> None:  # noqa: N803 - a historical model
    from jiuzhu.apps.core.keys import keyring
    from jiuzhu.pii.crypto import encrypt_field
    from jiuzhu.pii.masking import mask_certificate_number

    table = Member._meta.db_table
    while True:
        with transaction.atomic():
            chunk = list(Member.objects.exclude(**{PLAIN: ""}).order_by("pk")[:CHUNK])
            if not chunk:
                return
            ring = keyring()
            for m in chunk:
                value = "".join(m.disability_cert_no.split()).upper()
                m.disability_cert_no_enc = encrypt_field(ring, value, table=table, column=PLAIN, row=str(m.uid))
                m.disability_cert_no_masked = mask_certificate_number(value)
                m.disability_cert_no = ""
            Member.objects.bulk_update(chunk, ["disability_cert_no_enc", MASKED, PLAIN])


def _scrub(snapshot):
    from jiuzhu.pii.masking import mask_certificate_number

    if not isinstance(snapshot, dict) or PLAIN not in snapshot:
        return snapshot, False
    out = dict(snapshot)
    value = out.pop(PLAIN) or ""
    out[MASKED] = mask_certificate_number(value) if value else ""
    return out, True


def _scrub_change_records(ChangeRecord) -> None:  # noqa: N803
    last = 0
    while True:
        with transaction.atomic():
            chunk = list(ChangeRecord.objects.filter(object_type="member", pk__gt=last).order_by("pk")[:CHUNK])
            if not chunk:
                return
            changed = []
            for rec in chunk:
                rec.before, b = _scrub(rec.before)
                rec.after, a = _scrub(rec.after)
                fields = [MASKED if f == PLAIN else f for f in rec.changed_fields or []]
                if b or a or fields != rec.changed_fields:
                    rec.changed_fields = fields
                    changed.append(rec)
            ChangeRecord.objects.bulk_update(changed, ["before", "after", "changed_fields"])
            last = chunk[-1].pk


def forwards(apps, schema_editor) -> None:
    _encrypt_members(apps.get_model("registry", "Member"))
    _scrub_change_records(apps.get_model("registry", "ChangeRecord"))
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Migration(migrations.Migration):
    atomic = False  # one transaction per chunk: see the module docstring

    dependencies = [("registry", "0003_member_disability_cert_encrypted")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

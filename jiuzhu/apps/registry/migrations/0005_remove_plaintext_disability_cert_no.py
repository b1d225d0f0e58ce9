"""Drop the plaintext certificate column, now empty (0003 encrypted every value)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_encrypt_disability_cert_numbers")]

    operations = [migrations.RemoveField(model_name="member", name="disability_cert_no")]

"""Disability certificate numbers get an encrypted and a masked column (ADR 0024); 0003 fills them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_supporters_support_members_capacity_assessor")]

    operations = [
        migrations.AddField(
            model_name="member",
            name="disability_cert_no_enc",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="member",
            name="disability_cert_no_masked",
            field=models.CharField(blank=True, max_length=40, verbose_name="disability certificate number"),
        ),
    ]

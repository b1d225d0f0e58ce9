"""A run's state, timing, starter and error are its job's now (one status vocabulary)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("determination", "0004_runs_are_jobs"),
    ]

    operations = [
        migrations.AlterModelOptions(name="determinationrun", options={"ordering": ["-id"]}),
        migrations.RemoveField(model_name="determinationrun", name="error"),
        migrations.RemoveField(model_name="determinationrun", name="finished_at"),
        migrations.RemoveField(model_name="determinationrun", name="seconds"),
        migrations.RemoveField(model_name="determinationrun", name="started_at"),
        migrations.RemoveField(model_name="determinationrun", name="started_by"),
        migrations.RemoveField(model_name="determinationrun", name="status"),
    ]

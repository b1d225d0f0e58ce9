"""A comparison run's state, timing, starter and error are its job's now (one status vocabulary)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0003_runs_are_jobs"),
    ]

    operations = [
        migrations.AlterModelOptions(name="comparisonrun", options={"ordering": ["-id"]}),
        migrations.RemoveField(model_name="comparisonrun", name="error"),
        migrations.RemoveField(model_name="comparisonrun", name="finished_at"),
        migrations.RemoveField(model_name="comparisonrun", name="seconds"),
        migrations.RemoveField(model_name="comparisonrun", name="started_at"),
        migrations.RemoveField(model_name="comparisonrun", name="started_by"),
        migrations.RemoveField(model_name="comparisonrun", name="status"),
    ]

"""A match run's state, timing and starter are its job's now (one status vocabulary)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0003_runs_are_jobs"),
    ]

    operations = [
        migrations.AlterModelOptions(name="matchrun", options={"ordering": ["-id"]}),
        migrations.RemoveField(model_name="matchrun", name="finished_at"),
        migrations.RemoveField(model_name="matchrun", name="seconds"),
        migrations.RemoveField(model_name="matchrun", name="started_at"),
        migrations.RemoveField(model_name="matchrun", name="started_by"),
        migrations.RemoveField(model_name="matchrun", name="status"),
    ]

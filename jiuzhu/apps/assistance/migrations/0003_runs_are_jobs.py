"""Match runs point to a jobs.Job (issue 16): every existing run gets one carrying its state."""

import django.db.models.deletion
from django.db import migrations, models

STATES = {"done": "done", "failed": "failed"}  # a run left "running" by a crash is "abandoned"


def carry_over(apps, schema_editor):
    Run = apps.get_model("assistance", "MatchRun")
    Job = apps.get_model("jobs", "Job")
    Region = apps.get_model("core", "Region")
    province = "360000" if Region.objects.filter(code="360000").exists() else None
    for run in Run.objects.filter(job__isnull=True).order_by("id"):
        state = STATES.get(run.status, "abandoned")
        job = Job.objects.create(
            kind="assistance.matching", params={"as_of": run.as_of.isoformat(), "county": None,
                                                "determination_run": run.determination_run_id},
            scope_key="360000", region_id=province, started_by_id=run.started_by_id,
            channel="ui" if run.started_by_id else "cli", state=state, started_at=run.started_at,
            finished_at=run.finished_at or run.started_at, heartbeat_at=run.finished_at or run.started_at,
            result={"run": run.pk, "as_of": run.as_of.isoformat(), "county": "", "households": run.households,
                    "rows": run.rows, "missing": run.missing} if state == "done" else {},
            log=[{"at": run.started_at.isoformat(timespec="seconds"), "msg": "迁移前的运行记录",
                  "en": "recorded before jobs"}])
        Job.objects.filter(pk=job.pk).update(created_at=run.started_at)
        Run.objects.filter(pk=run.pk).update(job=job)


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0002_matching_enrolment_payroll"),
        ("jobs", "0001_job"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchrun",
            name="job",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="%(app_label)s_%(class)s", to="jobs.job", verbose_name="job"),
        ),
        migrations.AddField(
            model_name="matchrun",
            name="county",
            field=models.CharField(blank=True, max_length=12, verbose_name="county"),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]

"""Determination runs point to a jobs.Job (issue 16): every existing run gets one carrying its state."""

import django.db.models.deletion
from django.db import migrations, models

STATES = {"done": "done", "failed": "failed"}  # a run left "running" by a crash is "abandoned"


def carry_over(apps, schema_editor):
    Run = apps.get_model("determination", "DeterminationRun")
    Job = apps.get_model("jobs", "Job")
    Region = apps.get_model("core", "Region")
    province = "360000" if Region.objects.filter(code="360000").exists() else None
    for run in Run.objects.filter(job__isnull=True).order_by("id"):
        state = STATES.get(run.status, "abandoned")
        job = Job.objects.create(
            kind="determination.run", params={"as_of": run.as_of.isoformat()}, scope_key="360000",
            region_id=province, started_by_id=run.started_by_id, channel="ui" if run.started_by_id else "cli",
            state=state, started_at=run.started_at, finished_at=run.finished_at or run.started_at,
            heartbeat_at=run.finished_at or run.started_at, done=run.households, total=run.households,
            result={"run": run.pk, "households": run.households, "as_of": run.as_of.isoformat(),
                    "parameter_version": run.parameter_version} if state == "done" else {},
            error_zh=(run.error or "")[:500], error_en=(run.error or "")[:500],
            log=[{"at": run.started_at.isoformat(timespec="seconds"), "msg": "迁移前的运行记录",
                  "en": "recorded before jobs"}])
        Job.objects.filter(pk=job.pk).update(created_at=run.started_at)
        Run.objects.filter(pk=run.pk).update(job=job)


class Migration(migrations.Migration):

    dependencies = [
        ("determination", "0003_member_categories_and_person_totals"),
        ("jobs", "0001_job"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="determinationrun",
            name="job",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="%(app_label)s_%(class)s", to="jobs.job", verbose_name="job"),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]

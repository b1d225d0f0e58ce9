"""One record per long operation (a job), whatever it does: the queue row lives in django-tasks-db.

A job's domain results (a determination run and its results, a comparison run and its warnings,
a payroll…) are written by the job inside ``JobContext.commit()``, in the same transaction that
marks the job ``done``: a job that is cancelled, fails or is killed leaves none of them behind.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ACTIVE_STATES, JobState
from .kinds import kind_label as label_of_kind


class Job(models.Model):
    """A long operation: who started it for which region, its state, progress, log and result."""

    SCOPE_REGION_FIELD = "region"

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # "At most one job of a kind per scope" (e.g. the whole registry, or one county's payroll).
    scope_key = models.CharField(max_length=80)
    region = models.ForeignKey("core.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))
    channel = models.CharField(_("started from"), max_length=8, default="ui")  # ui / api / cli
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    done = models.BigIntegerField(_("done"), default=0)
    total = models.BigIntegerField(_("total"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=120, blank=True)  # host:pid:start-ticks
    log = models.JSONField(_("log"), default=list, blank=True)  # [{"at": iso, "msg": str}], short
    result = models.JSONField(_("result"), default=dict, blank=True)
    error_zh = models.CharField(_("error (Chinese)"), max_length=500, blank=True)
    error_en = models.CharField(_("error (English)"), max_length=500, blank=True)
    task_id = models.CharField(max_length=36, blank=True)  # the django-tasks-db queue row of this attempt

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope_key"], condition=Q(state__in=ACTIVE_STATES),
                                    name="jobs_one_active_per_kind_and_scope"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"]), models.Index(fields=["region", "-created_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def kind_label(self) -> Any:

        return label_of_kind(self.kind)


class RunQuerySet(models.QuerySet[Any]):
    def completed(self) -> models.QuerySet[Any]:
        """Runs whose job is done (a run without a job was recorded outside one: tests, fixtures)."""
        return self.filter(Q(job__isnull=True) | Q(job__state=JobState.DONE))


class JobRun(models.Model):
    """The base of the domain records of a batch run (determination, comparison, matching).

    The run keeps its domain figures and owns its result rows; its state, timing, starter and
    error are its job's (one status vocabulary).  Written inside the job's ``commit()``, so a run
    row appears only when its job completes.
    """

    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="%(app_label)s_%(class)s", verbose_name=_("job"))

    objects = RunQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def state(self) -> str:
        return self.job.state if self.job_id else JobState.DONE

    def get_state_display(self) -> Any:
        return self.job.get_state_display() if self.job_id else JobState.DONE.label

    @property
    def started_at(self) -> Any:
        return self.job.started_at if self.job_id else None

    @property
    def finished_at(self) -> Any:
        return self.job.finished_at if self.job_id else None

    @property
    def started_by(self) -> Any:
        return self.job.started_by if self.job_id else None

    @property
    def seconds(self) -> float | None:
        if not self.job_id or not (self.job.started_at and self.job.finished_at):
            return None
        return round((self.job.finished_at - self.job.started_at).total_seconds(), 1)

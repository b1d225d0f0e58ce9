"""The one status vocabulary of long operations (determination, comparison, matching, payroll, imports…)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    # The worker stopped sending heartbeats (killed, machine lost): nothing it wrote is visible
    # (job writes commit together with the job's `done`), so the job can be retried.
    ABANDONED = "abandoned", _("Interrupted")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED, JobState.ABANDONED)
RETRYABLE_STATES = (JobState.FAILED, JobState.CANCELLED, JobState.ABANDONED)

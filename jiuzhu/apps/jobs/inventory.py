"""Field inventory of this app (merged into core.inventory.INVENTORY)."""

from __future__ import annotations

OPS = "operational"
_JOB = "后台任务运行、进度与留痕 / background jobs: running, progress, who started what"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "jobs.Job": {
        **{f: (OPS, _JOB) for f in (
            "id", "kind", "params", "scope_key", "started_by", "channel", "state", "cancel_requested", "attempt",
            "phase", "phase_started_at", "done", "total", "created_at", "started_at", "finished_at",
            "heartbeat_at", "worker", "log", "result", "error_zh", "error_en", "task_id")},
        "region": ("location", _JOB),
    },
}

"""Kinds of job for the tests of the jobs layer (registered when this module is imported)."""

from __future__ import annotations

from typing import Any

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.jobs.kinds import Phase, register

HOOKS: dict[str, Any] = {}  # name → callable(ctx, i) run inside the counting job (cancel, supersede…)


@register("test.count", label="测试：计数", start_cap="run_determination", view_cap="view_registry",
          phases=(Phase("prepare", "准备", 1), Phase("write", "写入", 3)),
          result_lines=lambda r: [("行数", r.get("rows"))])
def count_job(ctx: Any, *, n: int, chunk: int = 2) -> dict[str, Any]:
    """Writes n audit rows ("test.row") in chunks inside ctx.commit(); HOOKS["count"] runs after each chunk."""
    ctx.phase("prepare", total=1)
    ctx.progress(1)
    ctx.phase("write", total=n)
    with ctx.commit():
        for i in range(0, n, chunk):
            for j in range(i, min(i + chunk, n)):
                audit("test.row", object_type="test", object_id=j, job=ctx.job_id)
            if "count" in HOOKS:
                HOOKS["count"](ctx, i)
            ctx.progress(min(i + chunk, n))
        ctx.set_result({"rows": n})
    return {"ignored": True}


@register("test.boom", label="测试：出错", start_cap="run_determination", view_cap="view_registry")
def boom_job(ctx: Any, *, message: str = "disk on fire") -> dict[str, Any]:
    raise ValueError(message)


@register("test.refuse", label="测试：拒绝", start_cap="run_determination", view_cap="view_registry")
def refuse_job(ctx: Any) -> dict[str, Any]:
    raise RefusedError("no_params", "参数缺失：2027 年的低保标准尚未批准", "Parameters missing: no approved 2027 standard")


@register("test.plain", label="测试：不写库", start_cap="manage_payroll", view_cap="view_assistance")
def plain_job(ctx: Any, *, value: int = 1) -> dict[str, Any]:
    ctx.phase("work", total=3)
    for i in range(3):
        ctx.progress(i + 1)
    return {"value": value}

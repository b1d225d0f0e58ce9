"""Demo step: the local choices in force, marked as such (issue 15 item 6).

The shipped parameters include rules the implementing opinions do not name (the employment-cost
deduction, property limits, which assessments of work capacity count …).  The demo lists them
with their values and whether each value is a demonstration figure, so whoever looks at the
demo knows which categories rest on a local choice.
"""

from __future__ import annotations

from django.utils import timezone

from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.policy.templatetags.policy_tags import param_value
from jiuzhu.rules.params import ParameterError

PROVINCE = "360000"


def local_choices_step() -> str:
    params = current_parameters()
    today = timezone.localdate()
    lines = ["本地选择（实施意见未规定、影响认定类别的参数；参数页面标注“本地选择”）："]
    for path in sorted(params.nodes):
        node = params.nodes[path]
        if not node.local:
            continue
        try:
            r = params.resolve(path, PROVINCE, "urban", today)
        except ParameterError:
            continue
        value = param_value(r.value)
        lines.append(f"  · {node.label_zh}（{path}）= {value}{node.unit}" + ("  [演示值]" if r.demo else ""))
    return "\n".join(lines)

"""The programme matrix (分层分类社会救助, 实施意见 §15–§26) as data, with pure eligibility and amounts.

Pure Python (no Django).  ``matrix`` declares every programme: department, who qualifies,
what is given, the amount rule, legal basis.  ``eligibility`` evaluates the declaration over
column arrays (numpy), one implementation for one household and for the whole registry.
``amounts`` holds the formulas that are not the determination's (price-linked subsidy,
temporary assistance routing, gradual exit).  Editable values are parameters
(``jiuzhu/rules/params/data/jiangxi/assistance.yaml``).
"""

from __future__ import annotations

from .amounts import (
    add_months,
    gradual_exit_last_month,
    month_start,
    price_subsidy,
    temporary_cap,
    temporary_route,
)
from .eligibility import CATEGORY_BITS, Columns, columns_from_rows, describe, eligible_mask
from .matrix import (
    CATEGORIES_ZH,
    PROGRAMMES,
    Cond,
    Lookup,
    Programme,
    as_codes,
    by_key,
    lookup_for,
    matrix_lines,
    matrix_markdown,
)

__all__ = [
    "CATEGORIES_ZH",
    "CATEGORY_BITS",
    "PROGRAMMES",
    "Columns",
    "Cond",
    "Lookup",
    "Programme",
    "add_months",
    "as_codes",
    "by_key",
    "columns_from_rows",
    "describe",
    "eligible_mask",
    "gradual_exit_last_month",
    "lookup_for",
    "matrix_lines",
    "matrix_markdown",
    "month_start",
    "price_subsidy",
    "temporary_cap",
    "temporary_route",
]

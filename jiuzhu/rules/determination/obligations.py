"""Legal support obligations between members of one household (户内法定赡养、抚养、扶养义务).

The registry records each member's relation to the head of the household (户主).  From two
members' relations this table says whether the first owes the second support, and how
(中华人民共和国民法典):

* ``SPOUSE`` — 扶养, spouses to each other (第一千零五十九条): always.
* ``PARENT`` — 抚养, a parent to a child who is a minor or cannot live independently
  (第一千零六十七条第一款; "不能独立生活的成年子女": still at school up to senior high, or
  without capacity to work — 婚姻家庭编解释（一）第四十一条).
* ``CHILD`` — 赡养, an adult child to a parent (第一千零六十七条第二款): always.

Duties that depend on facts the registry does not hold — grandparents and grandchildren
(第一千零七十四条: only where the parents are dead or unable), elder siblings
(第一千零七十五条) — are recorded as supporters where they apply.  Pairs that relations to the
head cannot tell apart (which of the head's children is a grandchild's parent, which child is
married to which child-in-law) are read as owing: nobody is granted support because a
relation is ambiguous.  A member whose relation is not recorded is read as before the
per-person rule: any adult member may be his supporter (``UNKNOWN``); docs/decisions/0016.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from jiuzhu.rules.determination.codes import RELATIONS

__all__ = ["CHILD", "KIND_LABELS", "NONE", "OBLIGATIONS", "PARENT", "SPOUSE", "UNKNOWN", "obligation_matrix"]

NONE: Final = 0
SPOUSE: Final = 1
PARENT: Final = 2
CHILD: Final = 3
UNKNOWN: Final = 4
KIND_LABELS: Final[dict[int, tuple[str, str]]] = {
    SPOUSE: ("夫妻扶养", "spouse"), PARENT: ("父母抚养子女", "parent to child"),
    CHILD: ("成年子女赡养父母", "adult child to parent"), UNKNOWN: ("关系未登记", "relation not recorded"),
}

# (supporter's relation to the head, supported member's relation to the head) → kind
OBLIGATIONS: Final[dict[tuple[str, str], int]] = {
    ("head", "spouse"): SPOUSE, ("spouse", "head"): SPOUSE,
    ("child", "child_in_law"): SPOUSE, ("child_in_law", "child"): SPOUSE,
    ("head", "child"): PARENT, ("spouse", "child"): PARENT, ("parent", "head"): PARENT,
    ("parent", "sibling"): PARENT, ("grandparent", "parent"): PARENT,
    ("child", "grandchild"): PARENT, ("child_in_law", "grandchild"): PARENT,
    ("child", "head"): CHILD, ("child", "spouse"): CHILD, ("head", "parent"): CHILD,
    ("sibling", "parent"): CHILD, ("parent", "grandparent"): CHILD,
    ("grandchild", "child"): CHILD, ("grandchild", "child_in_law"): CHILD,
}


def obligation_matrix() -> npt.NDArray[np.int64]:
    """The table indexed by (relation code + 1, relation code + 1); row/column 0 = not recorded."""
    n = len(RELATIONS) + 1
    out = np.zeros((n, n), dtype=np.int64)
    out[0, :] = UNKNOWN
    out[:, 0] = UNKNOWN
    for (a, b), kind in OBLIGATIONS.items():
        out[RELATIONS.index(a) + 1, RELATIONS.index(b) + 1] = kind
    return out

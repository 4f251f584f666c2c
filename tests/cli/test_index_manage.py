"""``index rm NAME``; a rebuild that would replace an index made from other files warns first;
index commands do not offer NCBI options."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.deps import Deps
from biomedqa.testing import HashEmbedder


@pytest.fixture
def corpora(tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    import biomedqa.indexes.build as build

    monkeypatch.setattr(build, "load_embedder", lambda settings: HashEmbedder(32))
    monkeypatch.setattr(Deps, "embedder", property(lambda self: HashEmbedder(32)))
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f:
        lines = [next(f) for _ in range(20)]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(lines[:10]))
    b.write_text("".join(lines[10:]))
    return a, b


def build(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["index", "build", *args])
    return r.exit_code, r.stdout, r.stderr


def test_rebuild_from_other_files_warns_and_same_files_do_not(home: Path, corpora: tuple[Path, Path]) -> None:
    a, b = corpora
    code, _, err = build(str(a), "--name", "x")
    assert code == 0, err and "Warning" not in err
    code, _, err = build(str(a), "--name", "x")  # same files: a plain rebuild, no warning
    assert code == 0 and "Warning" not in err
    code, out, err = build(str(b), "--name", "x")
    assert code == 0, err
    assert f"Warning: index 'x' was built from other files ({a.resolve()}); this build replaces it." in err
    assert "Indexed" in out


def test_index_rm(home: Path, corpora: tuple[Path, Path]) -> None:
    assert build(str(corpora[0]), "--name", "gone")[0] == 0
    r = CliRunner().invoke(cli, ["index", "rm", "gone"])
    assert r.exit_code == 0 and "Removed index 'gone'" in r.stdout and not (home / "indexes" / "gone").exists()
    r = CliRunner().invoke(cli, ["index", "rm", "gone"])
    assert r.exit_code == 3 and "no index named 'gone'" in r.stderr
    r = CliRunner().invoke(cli, ["index", "rm", "../home"])
    assert r.exit_code == 2 and "bad index name" in r.stderr and home.exists()


def test_index_commands_offer_no_ncbi_options(home: Path) -> None:
    for sub in ("build", "list", "info", "merge", "rm"):
        text = CliRunner().invoke(cli, ["index", sub, "--help"]).stdout
        assert "--replay" not in text and "--record" not in text and "-o, --override" in text, sub
    r = CliRunner().invoke(cli, ["index", "list", "--replay", "x.jsonl"])
    assert r.exit_code == 2 and "No such option '--replay'" in r.stderr
    assert "--replay" in CliRunner().invoke(cli, ["index", "pubmed", "--help"]).stdout  # it does call NCBI

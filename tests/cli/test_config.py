"""``biomedqa config show``: every setting in effect and where it came from (default, preset, user
config file, BIOMEDQA_* environment, -o / named options); BIOMEDQA_HOME moves the caches too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.settings import get_settings


def show(*args: str) -> dict[str, dict[str, object]]:
    r = CliRunner().invoke(cli, ["config", "show", "--json", *args])
    assert r.exit_code == 0, r.output
    return {row["key"]: row for row in json.loads(r.stdout)}


def test_each_layer_is_named(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "config.toml"
    user.write_text('[llm]\nmodel = "my-user-model.gguf"\nmax_tokens = 50\n[retrieval]\nk = 6\n')
    monkeypatch.setenv("BIOMEDQA_CONFIG", str(user))
    monkeypatch.setenv("BIOMEDQA_RETRIEVAL__K", "9")
    rows = show("-s", "fast", "-o", "agent.plan=true")
    assert rows["llm.n_ctx"]["source"] == "default" and rows["llm.n_ctx"]["value"] == 4096
    assert rows["agent.grade"] == {"key": "agent.grade", "value": False, "source": "preset fast"}
    assert rows["llm.model"] == {"key": "llm.model", "value": "my-user-model.gguf", "source": "user config"}
    assert rows["llm.max_tokens"]["source"] == "user config"  # the user file sits above the preset
    assert rows["retrieval.k"] == {"key": "retrieval.k", "value": 9, "source": "BIOMEDQA_RETRIEVAL__K"}
    assert rows["agent.plan"] == {"key": "agent.plan", "value": True, "source": "-o"}
    assert rows["home"]["source"] == "BIOMEDQA_HOME"
    assert get_settings("fast").llm.model == "my-user-model.gguf"  # the library reads the same layers


def test_table_names_the_file_and_keeps_long_values_whole(home: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_CONFIG", str(tmp_path / "none.toml"))
    url = "https://example.org/" + "a" * 150 + "/entrez/eutils/"
    r = CliRunner().invoke(cli, ["config", "show", "-o", f"ncbi.base_url={url}", "--changed"])
    assert r.exit_code == 0, r.output
    assert f"user config: {tmp_path / 'none.toml'} (not found)" in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("ncbi.base_url"))
    assert url in line and line.split()[-1] == "-o"  # not cut at 80 columns on a pipe
    assert "llm.n_ctx" not in r.stdout  # --changed: defaults left out


def test_secrets_hidden_and_bad_user_config_is_one_line(home: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_NCBI__API_KEY", "sekrit")
    rows = show()
    assert rows["ncbi.api_key"]["value"] == "***" and rows["ncbi.api_key"]["source"] == "BIOMEDQA_NCBI__API_KEY"
    bad = tmp_path / "bad.toml"
    bad.write_text("[llm\nmodel = 1\n")
    monkeypatch.setenv("BIOMEDQA_CONFIG", str(bad))
    r = CliRunner().invoke(cli, ["config", "show"])
    assert r.exit_code == 2 and "is not valid TOML" in r.stderr and r.stderr.count("\n") == 1
    bad.write_text("[llm]\nmodle = 'x'\n")
    r = CliRunner().invoke(cli, ["ask", "q?"])
    assert r.exit_code == 2 and "llm.modle" in r.stderr and "(from user config)" in r.stderr


def test_config_path_follows_the_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_CONFIG", str(tmp_path / "c.toml"))
    assert CliRunner().invoke(cli, ["config", "path"]).stdout.strip() == str(tmp_path / "c.toml")
    monkeypatch.delenv("BIOMEDQA_CONFIG")
    assert CliRunner().invoke(cli, ["config", "path"]).stdout.strip().endswith("biomedqa/config.toml")


def test_home_moves_the_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIOMEDQA_CACHE_DIR", raising=False)
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "h"))
    s = get_settings()
    assert s.cache_dir == tmp_path / "h" / "cache" and s.index_dir == tmp_path / "h" / "indexes"
    assert s.with_overrides({"home": str(tmp_path / "g")}).cache_dir == tmp_path / "g" / "cache"
    monkeypatch.setenv("BIOMEDQA_CACHE_DIR", str(tmp_path / "c"))
    assert get_settings().cache_dir == tmp_path / "c"  # an explicit cache_dir stays where it is
    assert get_settings().with_overrides({"home": str(tmp_path / "g")}).cache_dir == tmp_path / "c"
    rows = show()
    assert rows["cache_dir"]["source"] == "BIOMEDQA_CACHE_DIR"

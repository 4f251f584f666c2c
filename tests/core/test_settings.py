from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.errors import ConfigError
from biomedqa.settings import Settings, get_settings, preset_names


def test_presets_load_and_differ() -> None:
    assert {"default", "fast", "debug", "gpu"} <= set(preset_names())
    assert get_settings("fast").llm.model == "smollm2-135m"
    assert get_settings("default").llm.model == "qwen2.5-coder-1.5b-instruct"
    assert get_settings("gpu").llm.n_gpu_layers == -1


def test_env_overrides_preset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BIOMEDQA_RETRIEVAL__K", "17")
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path))
    s = get_settings("fast")
    assert s.retrieval.k == 17 and s.home == tmp_path and s.llm.model == "smollm2-135m"
    assert s.index_dir == tmp_path / "indexes"


def test_dotted_overrides_and_errors(settings: Settings) -> None:
    s = settings.with_overrides({"retrieval.k": "5", "retrieval.hyde": "true", "llm.model": "x.gguf"})
    assert s.retrieval.k == 5 and s.retrieval.hyde is True and s.llm.model == "x.gguf"
    with pytest.raises(ConfigError, match="unknown setting"):
        settings.with_overrides({"retrieval.nope": 1})
    with pytest.raises(ConfigError, match="bad setting retrieval.k"):
        settings.with_overrides({"retrieval.k": "many"})


def test_unknown_preset_is_one_line_error() -> None:
    with pytest.raises(ConfigError) as e:
        get_settings("turbo")
    assert "unknown preset 'turbo'" in str(e.value) and "default" in str(e.value) and "\n" not in str(e.value)


def test_snapshot_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_NCBI__API_KEY", "sekrit")
    s = get_settings()
    assert s.ncbi.api_key is not None and s.ncbi.api_key.get_secret_value() == "sekrit"
    assert "sekrit" not in str(s.snapshot())

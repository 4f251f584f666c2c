"""Every command's ``--help`` has an example and shows its defaults (a setting-backed option shows
the setting and its built-in default); ``-v``/``-q`` are offered on every command."""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.cli.help import has_default


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group, info_name=" ".join(("biomedqa", *path)))
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*path, name))


def test_every_command_has_an_example_and_shows_defaults() -> None:
    seen = 0
    for path, cmd in commands():
        text = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200).stdout
        assert "Example" in text, f"biomedqa {' '.join(path)} --help has no example"
        if not isinstance(cmd, click.Group):
            assert "-q, --quiet" in text and "-v, --verbose" in text, path
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden and has_default(p):
                options = text.split("\nOptions:", 1)[1]
                line = next(ln for ln in options.splitlines() if ln.strip().startswith(tuple(p.opts))
                            or any(f", {o}" in ln for o in p.opts))
                rest = options.split(line, 1)[1].split("\n  -", 1)[0]
                assert "default" in (line + rest).lower(), f"{' '.join(path)} {p.opts[0]}: default not shown"
        seen += 1
    assert seen >= 30


def test_setting_backed_options_show_the_setting() -> None:
    text = CliRunner().invoke(cli, ["ask", "--help"], terminal_width=200).stdout
    assert "[default: llm.model = qwen2.5-coder-1.5b-instruct]" in text
    assert "[default: retrieval.index = minipubmed]" in text
    batch = CliRunner().invoke(cli, ["batch", "--help"], terminal_width=200).stdout
    assert "--out FILE" in batch and "or - for stdout" in batch and "[default: 1;" in batch

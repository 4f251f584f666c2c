"""The ``biomedqa`` command line: the click group, the shared settings decorator and the agent seam.

``biomedqa = "biomedqa.cli:main"`` is the console script. Subcommands load lazily (see
:data:`~biomedqa.cli.group.COMMANDS`); ``batch`` and ``chat`` live in their own packages.
"""

from __future__ import annotations

from biomedqa.cli.agent import AgentLike, make_agent, use_agent_factory
from biomedqa.cli.group import COMMANDS, LazyGroup, cli, main
from biomedqa.cli.options import build_settings, settings_options, with_settings
from biomedqa.cli.output import echo_json, handle_errors, stderr_console

__all__ = [
    "COMMANDS",
    "AgentLike",
    "LazyGroup",
    "build_settings",
    "cli",
    "echo_json",
    "handle_errors",
    "main",
    "make_agent",
    "settings_options",
    "stderr_console",
    "use_agent_factory",
    "with_settings",
]

"""``python -m tests.frontdoors.run_batch_fake IN OUT DELAY CALLS_LOG [batch options...]``.

Runs the real ``biomedqa batch`` command with a FakeAgent that sleeps DELAY seconds per question
and logs every question it is asked to CALLS_LOG; the resume test SIGKILLs this process.
"""

from __future__ import annotations

import sys
from pathlib import Path

from biomedqa.cli import cli, use_agent_factory
from tests.frontdoors.fakes import FakeAgent


def main(argv: list[str]) -> None:
    in_path, out_path, delay, calls_log, *rest = argv
    with use_agent_factory(lambda settings: FakeAgent(settings, delay=float(delay), calls_log=Path(calls_log))):
        cli.main(["batch", in_path, "--out", out_path, "--no-progress", *rest], prog_name="biomedqa")


if __name__ == "__main__":
    main(sys.argv[1:])

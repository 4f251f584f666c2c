"""``python -m tests.frontdoors.run_chat_fake [chat options...]``: the real ``biomedqa chat`` on a FakeAgent.

Questions containing "slowly" stream one token every 0.4 s (to interrupt them); "FAIL" fails.
"""

from __future__ import annotations

import sys

from biomedqa.cli import cli, use_agent_factory
from tests.frontdoors.fakes import FakeAgent


def main(argv: list[str]) -> None:
    with use_agent_factory(lambda settings: FakeAgent(settings, delay=0.05, fail_on=("FAIL",))):
        cli.main(["chat", *argv], prog_name="biomedqa")


if __name__ == "__main__":
    main(sys.argv[1:])

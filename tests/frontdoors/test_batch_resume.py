"""A batch run SIGKILLed twice mid-run resumes with every row exactly once, in input order."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from biomedqa.batch.journal import Journal, journal_path
from tests.frontdoors.conftest import pubmedqa_questions

ROOT = Path(__file__).resolve().parents[2]


def _sigint_default() -> None:
    """In the child: SIGINT back to its default, so Python turns it into KeyboardInterrupt. A suite started
    as a background job of a non-interactive shell (``cmd &`` in a script) inherits SIGINT ignored, and an
    ignored signal stays ignored across exec: the Ctrl-C test then saw its run finish with exit code 0."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(src: Path, out: Path, calls: Path, delay: float = 0.04) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.frontdoors.run_batch_fake",
            str(src),
            str(out),
            str(delay),
            str(calls),
            "--concurrency",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_sigint_default,
    )


def journal_lines(out: Path) -> int:
    path = journal_path(out)
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_after(proc: subprocess.Popen[bytes], out: Path, at_least: int) -> None:
    deadline = time.monotonic() + 20
    while journal_lines(out) < at_least:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "batch made no progress"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_sigkill_twice_then_resume(tmp_path: Path) -> None:
    qs = pubmedqa_questions(50)
    src, out, calls = tmp_path / "q.csv", tmp_path / "a.csv", tmp_path / "calls.log"
    with open(src, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "question"], *qs])
    kill_after(start(src, out, calls), out, 8)
    assert not out.exists() and 8 <= journal_lines(out) < 50
    kill_after(start(src, out, calls), out, 25)
    assert not out.exists()
    with open(journal_path(out), "ab") as f:  # a kill mid-append leaves a torn line
        f.write(b'{"id": "torn-row", "question": "x", "ans')
    proc = start(src, out, calls)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == [pmid for pmid, _ in qs]
    assert [r["question"] for r in rows] == [q for _, q in qs]
    assert all(r["error"] == "" and r["answer"].startswith("Answer to:") for r in rows)
    asked = calls.read_text(encoding="utf-8").splitlines()
    assert set(asked) == {q for _, q in qs}
    assert len(asked) <= 50 + 2 * 2  # at most the in-flight rows of each kill are asked again
    assert not journal_path(out).exists()
    assert "50 rows: 50 ok" in err.decode() and "resumed" in err.decode()


def test_torn_journal_line_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(json.dumps({"id": "1", "question": "q"}).encode() + b"\nnot json\n" + b'{"id": "2", "qu')
    journal = Journal(path)
    assert list(journal.load()) == ["1"]
    journal.append({"id": "3", "question": "r"})
    journal.close()
    assert list(Journal(path).load()) == ["1", "3"]


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_run_batch_library_order(tmp_path: Path, concurrency: int) -> None:
    from biomedqa.batch import run_batch
    from tests.frontdoors.fakes import FakeAgent

    src = tmp_path / "q.jsonl"
    src.write_text("".join(json.dumps({"question": f"q{i}?"}) + "\n" for i in range(12)))
    agent = FakeAgent(delay=0.01)
    report = await run_batch(agent, src, tmp_path / "a.jsonl", concurrency=concurrency, progress=False)
    ids = [json.loads(x)["id"] for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert ids == [str(i) for i in range(1, 13)] and report.ok == 12 and report.exit_code == 0


async def test_progress_bar_shows_rate_and_eta(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from biomedqa.batch import run_batch
    from tests.frontdoors.fakes import FakeAgent

    src = tmp_path / "q.csv"
    src.write_text("question\n" + "".join(f"q{i}?\n" for i in range(6)))
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    await run_batch(FakeAgent(delay=0.02, fail_on=("q3",)), src, tmp_path / "a.csv", console=console)
    shown = buf.getvalue()
    assert "6/6" in shown and "q/min" in shown and "ETA" in shown and "1 errors" in shown


def test_ctrl_c_keeps_finished_rows(tmp_path: Path) -> None:
    src, out, calls = tmp_path / "q.csv", tmp_path / "a.csv", tmp_path / "calls.log"
    with open(src, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["question"], *[[f"question {i}?"] for i in range(40)]])
    proc = start(src, out, calls, delay=0.2)  # 40 rows take 8 s: the interrupt lands even on a loaded machine
    deadline = time.monotonic() + 20
    while journal_lines(out) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    kept = journal_lines(out)
    assert proc.returncode == 130 and "Rerun the same command to resume" in err.decode()
    assert 5 <= kept < 40 and not out.exists()

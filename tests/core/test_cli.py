from __future__ import annotations

from click.testing import CliRunner

from biomedqa.cli import cli


def test_help_lists_commands() -> None:
    out = CliRunner().invoke(cli, ["--help"]).output
    for cmd in ("ask", "chat", "batch", "index", "eval", "sql", "doctor", "models", "trace"):
        assert cmd in out


def test_ask_empty_question_is_one_line_error(settings) -> None:
    r = CliRunner().invoke(cli, ["ask", "   "])
    assert r.exit_code == 2
    assert r.output.strip().startswith("Error: the question is empty") and r.output.count("\n") == 1


def test_ask_unknown_model_and_preset(settings) -> None:
    r = CliRunner().invoke(cli, ["ask", "Is CFTR mutated in CF?", "--model", "nope-7b"])
    assert r.exit_code == 2 and "unknown model 'nope-7b'" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["ask", "q?", "-s", "turbo"])
    assert r.exit_code == 2 and "unknown preset" in r.output


def test_ask_missing_index(settings) -> None:
    r = CliRunner().invoke(
        cli, ["ask", "Is CFTR mutated in CF?", "--index", "nothere", "-s", "debug", "-o", "agent.use_eutils=false"]
    )
    assert r.exit_code == 3, r.output
    assert "no index named 'nothere'" in r.output and "biomedqa index build" in r.output


def test_bad_override(settings) -> None:
    r = CliRunner().invoke(cli, ["ask", "q?", "-o", "retrieval.k"])
    assert r.exit_code == 2 and "KEY=VALUE" in r.output


def test_doctor_json(settings) -> None:
    import json

    r = CliRunner().invoke(cli, ["doctor", "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert "cpu_flags" in info and any(m["name"] == "smollm2-135m" for m in info["models"])

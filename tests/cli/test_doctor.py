"""``doctor`` warns when the default index is missing or NCBI is unreachable; the NCBI check is one
einfo request through an injectable transport (here httpx.MockTransport: no socket is opened)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import biomedqa.cli.doctor as doctor_module
from biomedqa.cli import cli
from biomedqa.cli.probe import PROBE_TIMEOUT_S, probe_ncbi
from biomedqa.settings import NCBISettings


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)


def test_probe_sends_one_einfo_request() -> None:
    seen: list[httpx.Request] = []

    def ok(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"einforesult": {"dblist": ["pubmed"]}})

    got = probe_ncbi(NCBISettings(email="me@example.org"), transport=httpx.MockTransport(ok))
    assert got["reachable"] is True and got["detail"] == "HTTP 200"
    assert len(seen) == 1 and seen[0].url.path.endswith("/einfo.fcgi")
    assert seen[0].url.params["email"] == "me@example.org" and seen[0].url.params["tool"] == "biomedqa"
    down = probe_ncbi(NCBISettings(), transport=httpx.MockTransport(refuse))
    assert down["reachable"] is False and "ConnectError" in down["detail"] and PROBE_TIMEOUT_S <= 2.0
    busy = probe_ncbi(NCBISettings(), transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    assert busy["reachable"] is False and busy["detail"] == "HTTP 503"
    off = probe_ncbi(NCBISettings(offline=True), transport=httpx.MockTransport(refuse))
    assert off["reachable"] is None and "not checked" in off["detail"]


def test_doctor_warns(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline_probe = functools.partial(probe_ncbi, transport=httpx.MockTransport(refuse))
    monkeypatch.setattr(doctor_module, "probe_ncbi", offline_probe)
    r = CliRunner().invoke(cli, ["doctor", "--json", "-o", "retrieval.source=index"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["ncbi"]["reachable"] is False
    assert any("default index 'minipubmed' is missing" in w for w in info["warnings"])
    assert any("NCBI E-utilities is unreachable" in w for w in info["warnings"])
    text = CliRunner().invoke(cli, ["doctor"]).stdout
    assert "NCBI E-utilities: unreachable" in text and "warning: no index of yours" in text  # auto: the demo
    quiet = CliRunner().invoke(cli, ["doctor", "--json", "-o", "ncbi.offline=true"]).stdout
    assert not any("NCBI" in w for w in json.loads(quiet)["warnings"])

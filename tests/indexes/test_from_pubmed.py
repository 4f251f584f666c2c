"""``index pubmed`` on real recorded NCBI responses: the dry run, the batches, a broken run and its resume."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from biomedqa.errors import NCBIError
from biomedqa.indexes import build as build_mod
from biomedqa.indexes.commands import index_group
from biomedqa.indexes.from_pubmed import download_dir, index_from_pubmed, load_journal
from biomedqa.indexes.local import open_index
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder

# PubMed records whose efetch responses are recorded (biocommons/eutils VCR cassettes)
RECORDED = ["1234567", "20412080", "22351513", "22528466", "23121403", "29915538"]


@pytest.fixture
def replay(settings: Settings, shared_data: Path) -> Settings:  # the recorded fixtures live in ../shared/data
    return settings.with_overrides({"ncbi.replay": ["fixtures"], "ncbi.offline": True})


def test_dry_run_on_a_recorded_esearch(replay: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_HOME", str(replay.home))
    # the recorded esearch: db=pubmed, term="hart rk[author]", usehistory=y (34 hits, WebEnv MCID_6934533c…)
    args = ["pubmed", "hart rk[author]", "--name", "hart", "--dry-run", "--replay", "fixtures",
            "-o", "ncbi.offline=true"]
    res = CliRunner().invoke(index_group, args)
    assert res.exit_code == 0, res.output
    assert "PubMed: 34 hits for 'hart rk[author]'; would fetch 34 records in 1 efetch batch(es) of 200" in res.output
    res = CliRunner().invoke(index_group, [*args, "--json", "--batch", "10"])
    plan = json.loads(res.output)
    assert plan["count"] == 34 and plan["requests"] == 4 and plan["pmids_head"][0] == "40455089"
    assert not (replay.home / "pubmed" / "hart").exists()  # a dry run writes nothing


def test_broken_run_resumes_and_builds(replay: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import biomedqa.tools.eutils as eutils_pkg

    real = eutils_pkg.build_transport
    served: list[str] = []

    def flaky(limit: int | None):  # type: ignore[no-untyped-def]
        def build(settings: Settings) -> httpx.AsyncBaseTransport:
            inner = real(settings)

            async def handle(request: httpx.Request) -> httpx.Response:
                if limit is not None and len(served) >= limit:
                    raise httpx.ConnectError("network gone", request=request)
                served.append(str(request.url))
                response = await inner.handle_async_request(request)
                await response.aread()
                return httpx.Response(response.status_code, headers=response.headers, content=response.content)

            return httpx.MockTransport(handle)  # type: ignore[arg-type]
        return build

    s = replay.with_overrides({"ncbi.max_retries": 0})
    monkeypatch.setattr(eutils_pkg, "build_transport", flaky(3))
    with pytest.raises(NCBIError, match="could not reach NCBI"):
        index_from_pubmed(s, "six", pmids=RECORDED, batch=1, progress=False, embedder=HashEmbedder(64))
    journal = load_journal(download_dir(s, "six"))
    assert journal is not None and journal.done == [0, 1, 2] and len(journal.batches) == 6
    monkeypatch.setattr(eutils_pkg, "build_transport", flaky(None))
    served.clear()
    plan, info = index_from_pubmed(s, "six", pmids=RECORDED, batch=1, progress=False, embedder=HashEmbedder(64))
    assert len(served) == 3 and all("efetch" in u for u in served)  # only the batches the broken run missed
    assert plan.done == [0, 1, 2, 3, 4, 5]
    assert info is not None and info.records == 6
    index = open_index(s, "six")
    assert index.get(["29915538"])[0].title.startswith("Efficacy and Safety of Once-Weekly Semaglutide")
    index.close()


def test_cli_pmids_file_and_bad_input(replay: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOMEDQA_HOME", str(replay.home))
    monkeypatch.setenv("BIOMEDQA_CACHE_DIR", str(replay.cache_dir))
    monkeypatch.setattr(build_mod, "load_embedder", lambda s, name=None: HashEmbedder(64))
    ids = tmp_path / "pmids.txt"
    ids.write_text("\n".join(RECORDED[:4]) + "\n")
    common = ["--replay", "fixtures", "-o", "ncbi.offline=true"]
    res = CliRunner().invoke(index_group, ["pubmed", "--pmids", str(ids), "--name", "four", "--batch", "1", *common])
    assert res.exit_code == 0, res.output
    assert "Fetched 4 records of 4 PMIDs in 4 batch(es); indexed" in res.output and "--index four" in res.output
    ids.write_text("1234567\nPMC3299399\n")
    res = CliRunner().invoke(index_group, ["pubmed", "--pmids", str(ids), "--name", "bad", *common])
    assert res.exit_code == 2 and "non-PMID tokens such as 'PMC3299399'" in res.output
    res = CliRunner().invoke(index_group, ["pubmed", "--name", "none", *common])
    assert res.exit_code == 2 and "give a PubMed query or --pmids FILE" in res.output
    res = CliRunner().invoke(index_group, ["pubmed", "x", "--name", "../evil", *common])
    assert res.exit_code == 2 and "bad index name" in res.output

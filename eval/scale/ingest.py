"""``biomedqa eval ingest``: parse rate and peak memory of the PubMed XML reader at 1x and 10x input,
and BM25 memory per document.

Inputs are real PubMed efetch XML (the recorded fixtures in ``eutils_fixtures``), replicated under
new PMIDs into baseline-format files (``<PubmedArticleSet>`` of ``<PubmedArticle>``, gzip, the
fixture's own DOCTYPE); each size is parsed in a fresh subprocess so its peak RSS is its own.
A reader that streams has the same peak RSS at 1x and 10x.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

FIXTURES = ("pubmed1.xml", "pubmed2.xml", "pubmed4.xml", "pubmed5.xml", "pubmed6.xml", "pubmed7.xml")
ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
PMID = re.compile(rb'(<PMID Version="\d+">)(\d+)(</PMID>)')


def make_baseline(shared: Path, out: Path, n: int, dtd_from: str = "pubmed1.xml") -> dict[str, Any]:
    """Write ``n`` real articles (cycled, each under a new PMID) as one baseline-format .xml.gz."""
    folder = shared / "eutils_fixtures/biopython_Tests_Entrez"
    articles = [ARTICLE.search((folder / f).read_bytes()).group(0) for f in FIXTURES]  # type: ignore[union-attr]
    head = (folder / dtd_from).read_bytes().split(b"<PubmedArticleSet>")[0]
    with gzip.open(out, "wb", compresslevel=1) as f:
        f.write(head + b"<PubmedArticleSet>\n")
        for i in range(n):
            art = articles[i % len(articles)]
            f.write(PMID.sub(lambda m, i=i: m.group(1) + str(40_000_000 + i).encode() + m.group(3), art, count=1))
            f.write(b"\n")
        f.write(b"</PubmedArticleSet>\n")
    return {"records": n, "gz_bytes": out.stat().st_size, "doctype_from": dtd_from}


def parse_file(path: Path) -> dict[str, Any]:
    """Stream every record of ``path`` with the index build's reader; rate and peak RSS."""
    from biomedqa.eval.scale.worker import peak_rss_mb
    from biomedqa.indexes.ingest import IngestReport, iter_records

    report = IngestReport()
    t, n, chars = time.perf_counter(), 0, 0
    for rec in iter_records([path], report):
        n += 1
        chars += len(rec.text)
    seconds = time.perf_counter() - t
    return {"records": n, "skipped": report.skipped, "seconds": round(seconds, 2),
            "records_per_s": round(n / seconds, 1), "peak_rss_mb": peak_rss_mb(),
            "mean_abstract_chars": round(chars / max(n, 1))}


def bm25_memory(shared: Path, limit: int) -> dict[str, Any]:
    """bm25s score-matrix bytes per document over mini-PubMed units (BioASQ snippets and full abstracts)."""
    from biomedqa.indexes.chunk import chunk_records
    from biomedqa.indexes.ingest import IngestReport, iter_records
    from biomedqa.indexes.lexical import BM25Index, Tokenizer, resolve_tokenizer_config

    tok = Tokenizer(resolve_tokenizer_config("english"))
    docs = list(chunk_records(iter_records([shared / "derived/minipubmed/corpus.jsonl.gz"], IngestReport()), 220, 40))
    out = {}
    for label, pick in (("all units", docs), ("full abstracts (>=150 words)",
                                              [d for d in docs if len(d.text.split()) >= 150])):
        tokens = [tok(d.lexical_text()) for d in pick[:limit]]
        bm25 = BM25Index.build(tokens, tok, 1.2, 0.75)
        sc = bm25.model.scores
        size = sum(sc[k].nbytes for k in ("data", "indices", "indptr"))
        out[label] = {"docs": len(tokens), "score_bytes_per_doc": round(size / len(tokens), 1),
                      "nnz_per_doc": round(len(sc["data"]) / len(tokens), 1), "vocab": len(bm25.model.vocab_dict),
                      "mean_tokens": round(sum(map(len, tokens)) / len(tokens), 1)}
    return out


@click.command("ingest")
@click.option("--records", type=int, default=10_000, show_default=True, help="Records in the 1x file.")
@click.option("--times", "factors", type=int, multiple=True, default=[1, 10], show_default=True)
@click.option("--dtd", "dtds", multiple=True, default=["pubmed1.xml"], show_default=True,
              help="Fixture whose DOCTYPE heads the file: pubmed1.xml (2025 DTD, ElementTree iterparse) or "
                   "pubmed4.xml (2018 DTD, Bio.Entrez.parse).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/ingest"),
              show_default=True)
def command(records: int, factors: tuple[int, ...], dtds: tuple[str, ...], out_dir: Path) -> None:
    """PubMed XML parse rate and peak memory at 1x/10x input (flat memory = streaming), BM25 bytes per doc."""
    from biomedqa.shared_data import shared_data_dir

    shared = shared_data_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for dtd in dtds:
        for f in factors:
            path = out_dir / f"baseline_{dtd.split('.')[0]}_{f}x.xml.gz"
            made = make_baseline(shared, path, records * f, dtd)
            proc = subprocess.run([sys.executable, "-m", "biomedqa.eval.scale.ingest", str(path)],
                                  capture_output=True, text=True, check=True)
            rows.append({"input": f"{f}x", **made, **json.loads(proc.stdout)})
            path.unlink()
            click.echo(json.dumps(rows[-1]))
    result = {"parse": rows, "bm25": bm25_memory(shared, 20_000)}
    (out_dir / "ingest.json").write_text(json.dumps(result, indent=1))
    click.echo(json.dumps(result["bm25"]))


if __name__ == "__main__":
    print(json.dumps(parse_file(Path(sys.argv[1]))))

"""Rich rendering of answers, citations, evidence and traces, shared by ``chat`` and ``ask``."""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from biomedqa.types import Answer, Passage

logger = logging.getLogger(__name__)

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def pubmed_url(pmid: str) -> str:
    """The PubMed page of a PMID."""
    return PUBMED_URL.format(pmid=pmid)


def grounded_label(answer: Answer) -> Text:
    """ "grounded", "not grounded" or "not self-checked", coloured."""
    if answer.grounded is None:
        return Text("not self-checked", style="dim")
    return Text("grounded", style="green") if answer.grounded else Text("not grounded", style="red")


def render_answer(console: Console, answer: Answer, *, streamed: bool = False) -> None:
    """Print an answer: its text (unless it was streamed already), choice, citations and verdict.

    Args:
        console: Where to print.
        answer: The answer.
        streamed: The text was already printed token by token.
    """
    if not streamed:
        console.print(answer.text, markup=False, highlight=False)
    elif answer.text:
        console.print()
    if answer.choice:
        console.print(Text.assemble(("Answer: ", "bold"), (answer.choice, "bold cyan")))
    render_citations(console, answer)
    console.print(Text.assemble(("Self-check: ", "dim"), grounded_label(answer)))
    if answer.searched is not None and answer.searched.kind != "none":  # tool-only answers say so in their text
        console.print(Text(answer.searched.label, style="dim"))


def render_citations(console: Console, answer: Answer) -> None:
    """A table of cited PMIDs with titles and PubMed links (or a note when there are none)."""
    cited = [c for c in answer.citations if c.pmid]
    others = [c for c in answer.citations if not c.pmid]
    if not answer.citations:
        console.print(Text("No citations.", style="dim"))
        return
    titles = {p.pmid: p.title for p in answer.evidence if p.pmid}
    table = Table(title="Citations", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("PMID", style="cyan", no_wrap=True)
    table.add_column("Title", overflow="fold")
    table.add_column("Link", style="blue", no_wrap=True)
    seen: set[str] = set()
    for c in cited:
        pmid = c.pmid or ""
        if pmid in seen:
            continue
        seen.add(pmid)
        url = pubmed_url(pmid)
        table.add_row(pmid, c.title or titles.get(pmid, ""), Text(url, style=f"link {url}"))
    for c in others:
        table.add_row(c.doc_id, c.title, "")
    console.print(table)


def _snippet(p: Passage, width: int = 110) -> str:
    text = " ".join(p.text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_sources(console: Console, answer: Answer) -> None:
    """The evidence passages of an answer, with scores, sources and a snippet."""
    if not answer.evidence:
        console.print(Text("The last answer used no evidence passages.", style="dim"))
        return
    cited = set(answer.pmids)
    table = Table(title=f"Evidence for: {answer.question}", title_justify="left", show_edge=False)
    table.add_column("#", justify="right")
    table.add_column("PMID / id", style="cyan", no_wrap=True)
    table.add_column("Score", justify="right")
    table.add_column("From")
    table.add_column("Title / text", overflow="fold")
    for i, p in enumerate(answer.evidence, 1):
        mark = "*" if p.pmid and p.pmid in cited else ""
        table.add_row(
            f"{i}{mark}",
            p.pmid or p.doc_id,
            f"{p.score:.3f}",
            p.source,
            f"{p.title}\n{_snippet(p)}" if p.title else _snippet(p),
        )
    console.print(table)
    console.print(Text("* cited in the answer", style="dim"))


def trace_rows(answer: Answer) -> list[tuple[str, str, float, str]]:
    """(kind, name, seconds, short data) per trace event, for display."""
    if answer.trace is None:
        return []
    rows = []
    for ev in answer.trace.events:
        data = ", ".join(f"{k}={_short(v)}" for k, v in ev.data.items() if k not in ("prompt", "reply", "passages"))
        rows.append((ev.kind, ev.name, ev.seconds, data[:100]))
    return rows


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        return f"<{len(value)}>"
    return str(value)[:40]


def render_trace(console: Console, answer: Answer) -> None:
    """A summary of the last run: its steps with timings, LLM and tool-call counts."""
    trace = answer.trace
    if trace is None:
        console.print(Text("The last answer has no trace.", style="dim"))
        return
    kinds: dict[str, int] = {}
    for ev in trace.events:
        kinds[ev.kind] = kinds.get(ev.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    console.print(Text.assemble(("Run ", "bold"), (trace.run_id, "cyan"), f": {len(trace.events)} events ({counts})"))
    table = Table(show_edge=False)
    for col in ("kind", "step", "s", "details"):
        table.add_column(col, justify="right" if col == "s" else "left", overflow="fold")
    for kind, name, seconds, data in trace_rows(answer):
        table.add_row(kind, name, f"{seconds:.2f}", data)
    console.print(table)
    if answer.timings:
        console.print("Timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in answer.timings.items()), markup=False)


class DraftView:
    """The answer being written, live on a terminal: each new draft (after a revision step)
    replaces the last, and the view is cleared when the final answer is rendered.
    Off a terminal it shows nothing (scripts get only the final answer).
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.enabled = console.is_terminal
        self.tokens: list[str] = []
        self.status = ""
        self._new_draft = False
        self._live: Live | None = None

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    def node(self, summary: str) -> None:
        """A step finished; tokens after this start a new draft."""
        self._new_draft = bool(self.tokens)
        self.status = summary
        self._refresh()

    def token(self, piece: str) -> None:
        """One more piece of the current draft."""
        if self._new_draft:
            self.tokens, self._new_draft = [], False
        self.tokens.append(piece)
        self._refresh()

    def _refresh(self) -> None:
        if not self.enabled:
            return
        if self._live is None:
            self._live = Live(console=self.console, transient=True, auto_refresh=False)
            self._live.start()
        parts = [Text(self.text)] if self.tokens else []
        if self.status:
            parts.append(Text(f"· {self.status}", style="dim"))
        self._live.update(Group(*parts), refresh=True)

    def close(self, *, keep: bool = False) -> None:
        """Stop the live view; ``keep`` prints the unfinished draft (after Ctrl-C or an error)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        if keep and self.enabled and self.tokens:
            self.console.print(Text(self.text, style="dim"))

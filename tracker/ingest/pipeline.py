"""From an input file to stored comments: read, clean, identify language, upsert in chunks.

Every record read is either stored (new, updated or unchanged) or written to the rejects file
with its reason, so that read = stored + rejected holds for every run.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import IngestError
from tracker.ingest.base import Draft, ReadOptions, Rejected
from tracker.ingest.formats import detect_format, format_module
from tracker.progress import progress_bar
from tracker.schema import Comment, OTHER_LANG
from tracker.store import Store
from tracker.text import detect_languages, split_quotes

REJECT_COLUMNS = ("file", "where", "reason", "id", "raw")


@dataclass
class IngestSummary:
    path: Path
    format: str
    run_id: int
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    recontext: int = 0  # earlier comments to classify again: the new ones change their context
    reasons: Counter = field(default_factory=Counter)
    rejects_path: Path | None = None

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def line(self) -> str:
        text = (f"{self.path}: read {self.read}, stored {self.stored} (new {self.new}, updated {self.updated}, "
                f"unchanged {self.unchanged}), rejected {self.rejected}")
        if self.rejected:
            top = ", ".join(f"{reason} {n}" for reason, n in self.reasons.most_common(3))
            text += f" ({top}; see {self.rejects_path})"
        if self.recontext:
            text += (f"; {self.recontext} earlier comments have new context (a reply's parent or the author's "
                     "other comments) and will be classified again by 'tracker classify'")
        return text


class _RejectsFile:
    """Opened on the first reject only, so clean inputs leave no empty file behind."""

    def __init__(self, path: Path, source: Path):
        self.path, self.source, self._handle, self._writer = path, source, None, None

    def write(self, rejected: Rejected) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(REJECT_COLUMNS)
        self._writer.writerow((str(self.source), rejected.where, rejected.reason, rejected.record_id or "", rejected.raw))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def default_rejects_path(path: Path) -> Path:
    return Path("rejects") / f"{path.name}.rejects.csv"


def finish_draft(draft: Draft) -> Comment | Rejected:
    """The stored comment for a draft (own words separated from quotes), or why it cannot be."""
    raw = draft.raw_text or ""
    if draft.text is not None:
        own, quoted = draft.text, draft.quoted
    else:
        split = split_quotes(raw)  # also turns HTML into text
        own, quoted = split.own, split.quoted
    own = own.strip()
    if not own:
        reason = "only quoted text" if raw.strip() else "empty text"
        return Rejected(draft.where, reason, draft.id, raw)
    return Comment(
        id=draft.id, source=draft.source, created_at=draft.created_at, text=own, raw_text=raw,
        thread_id=draft.thread_id, parent_id=draft.parent_id, author=draft.author,
        lang=draft.lang or OTHER_LANG, quoted=quoted, url=draft.url,
    )


def _count_lines(path: Path) -> int | None:
    if path.suffix in (".zst", ".parquet", ".gz"):
        return None
    with open(path, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def ingest_file(store: Store, path: str | Path, fmt: str | None = None, options: ReadOptions | None = None,
                rejects_path: str | Path | None = None, progress: bool = False) -> IngestSummary:
    """Ingest one file into `store`; rerunning it changes nothing and resumes a killed run."""
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise IngestError(f"{path}: no such file; check the path")
    fmt = fmt or detect_format(path)
    reader = format_module(fmt).read
    rejects = _RejectsFile(Path(rejects_path) if rejects_path else default_rejects_path(path), path)
    run_id = store.start_run("ingest", input=str(path), params={"format": fmt, "timezone": options.timezone,
                                                                "encoding": options.encoding, "columns": options.columns})
    summary = IngestSummary(path=path, format=fmt, run_id=run_id, rejects_path=rejects.path)
    bar = progress_bar(total=_count_lines(path) if progress else None, desc=path.name, unit="rec", enabled=progress)
    try:
        chunk: list[tuple[str, Comment]] = []
        for item in reader(path, options):
            summary.read += 1
            bar.update(1)
            result = finish_draft(item) if isinstance(item, Draft) else item
            if isinstance(result, Rejected):
                _reject(summary, rejects, result)
                continue
            chunk.append((item.where, result))
            if len(chunk) >= options.chunk_rows:
                _store_chunk(store, chunk, run_id, summary, rejects)
                chunk = []
        _store_chunk(store, chunk, run_id, summary, rejects)
    except BaseException:
        store.finish_run(run_id, status="failed", read=summary.read, stored=summary.stored, new=summary.new,
                         updated=summary.updated, unchanged=summary.unchanged, rejected=summary.rejected)
        raise
    finally:
        rejects.close()
        bar.close()
    store.finish_run(run_id, read=summary.read, stored=summary.stored, new=summary.new, updated=summary.updated,
                     unchanged=summary.unchanged, rejected=summary.rejected,
                     rejects_path=str(rejects.path) if summary.rejected else None,
                     details={"reasons": dict(summary.reasons), "recontext": summary.recontext})
    if not summary.rejected:
        summary.rejects_path = None
    return summary


def _reject(summary: IngestSummary, rejects: _RejectsFile, rejected: Rejected) -> None:
    summary.rejected += 1
    summary.reasons[rejected.reason.split(":")[0]] += 1
    rejects.write(rejected)


def _store_chunk(store: Store, chunk: list[tuple[str, Comment]], run_id: int, summary: IngestSummary,
                 rejects: _RejectsFile) -> None:
    if not chunk:
        return
    unknown = [i for i, (_, c) in enumerate(chunk) if c.lang == OTHER_LANG]
    if unknown:
        langs = detect_languages([chunk[i][1].text for i in unknown])
        for i, lang in zip(unknown, langs):
            where, c = chunk[i]
            chunk[i] = (where, Comment(c.id, c.source, c.created_at, c.text, c.raw_text, c.thread_id, c.parent_id,
                                       c.author, lang, c.quoted, c.url))
    # a duplicate id inside one chunk: keep the first, reject later rows with other content
    seen: dict[str, tuple[str, Comment]] = {}
    unique: list[Comment] = []
    for where, comment in chunk:
        first = seen.get(comment.id)
        if first is None:
            seen[comment.id] = (where, comment)
            unique.append(comment)
        elif first[1] == comment:
            summary.unchanged += 1
        else:
            _reject(summary, rejects, _duplicate(where, comment, first[0]))
    counts = store.upsert_comments(unique, run_id=run_id)
    summary.new += counts.new
    summary.updated += counts.updated
    summary.unchanged += counts.unchanged
    summary.recontext += counts.recontext
    for comment_id in counts.conflicts:
        where, comment = seen[comment_id]
        _reject(summary, rejects, _duplicate(where, comment, "an earlier record"))


def _duplicate(where: str, comment: Comment, first: str) -> Rejected:
    return Rejected(where, f"duplicate id with different content (first seen at {first})", comment.id, comment.raw_text)

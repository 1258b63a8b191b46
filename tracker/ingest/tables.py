"""Generic tables: CSV/TSV, JSON Lines and Parquet, streamed, with column mapping.

Columns default to the comment record's names (`id`, `text`, `created_at`, `author`,
`thread_id`, `parent_id`, `source`, `url`, `lang`); `raw_text` is used when there is no
`text` column. Ids become `<source>:<id>` (or `<format>:<file stem>:<id>` without a source).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from pathlib import Path
from typing import Iterator

from tracker.errors import IngestError
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.schema import LANGS
from tracker.times import parse_timestamp

FIELDS = ("id", "text", "created_at", "author", "thread_id", "parent_id", "source", "url", "lang")
TEXT_FALLBACK = "raw_text"
_SNIFF = 64 * 1024


def sniff(head: str, path: Path) -> bool:
    return sniff_table(head, path) is not None


def sniff_table(head: str, path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".jsonl", ".ndjson") or head.lstrip().startswith("{"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt") or ("," in head.split("\n", 1)[0] or "\t" in head.split("\n", 1)[0]):
        return "csv"
    return None


def table_dialect(path: Path, header: str) -> tuple[str, int]:
    """Delimiter and csv quoting of a table whose first line is `header`: tabs for a .tsv or
    when the header has more tabs than commas, else commas. A tab-separated .txt table (the
    shape of tweet and annotation exports) is plain text: its quotes belong to the fields (a
    tweet that starts with one), so it is read without quoting."""
    tab = path.suffix.lower() == ".tsv" or header.count("\t") > header.count(",")
    plain = tab and path.suffix.lower() == ".txt"
    return ("\t" if tab else ","), (csv.QUOTE_NONE if plain else csv.QUOTE_MINIMAL)


def detect_encoding(path: Path, whole: bool = False) -> str:
    """utf-8-sig for a BOM, utf-8 when the head (or, with `whole`, the whole file) decodes,
    else the best single-byte guess (cp1252)."""
    with open(path, "rb") as handle:
        head = handle.read() if whole else handle.read(_SNIFF)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if not whole and exc.start >= len(head) - 4:  # a character cut by the sniff window
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head, cp_isolation=["cp1252", "latin_1", "utf_16"]).best()
    return best.encoding if best is not None else "cp1252"


def read_csv_options(path: Path, whole: bool = False) -> dict:
    """`pandas.read_csv` options for a CSV, TSV or .txt table: its encoding (`detect_encoding`,
    over the whole file with `whole`) and its dialect (`table_dialect`), so that labeled files
    and `tracker classify` read a table the way the ingest reader does."""
    encoding = detect_encoding(path, whole)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        delimiter, quoting = table_dialect(path, handle.readline())
    return {"sep": delimiter, "quoting": quoting, "encoding": encoding}


class _Mapping:
    """Which input column holds each record field."""

    def __init__(self, header: list[str], options: ReadOptions, path: Path):
        self.path = path
        names = {name: options.columns.get(name, name) for name in FIELDS}
        if "text" not in options.columns and "text" not in header and TEXT_FALLBACK in header:
            names["text"] = TEXT_FALLBACK
        elif "text" not in options.columns and TEXT_FALLBACK in header:
            names["text"] = TEXT_FALLBACK  # the comment as received; quotes are stripped later
        for required in ("text", "created_at"):
            if names[required] not in header:
                option = "--text-column" if required == "text" else "--time-column"
                raise IngestError(
                    f"{path}: column '{names[required]}' not found (columns: {', '.join(header[:12])}); "
                    f"use {option} to name it"
                )
        for optional, column in names.items():
            if optional in options.columns and column not in header:
                raise IngestError(f"{path}: column '{column}' given for {optional} not found; check the option")
        self.names = {k: v for k, v in names.items() if v in header}


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    kind = "parquet" if path.suffix.lower() == ".parquet" else sniff_table(_head(path), path)
    if kind == "parquet":
        rows, unit = _parquet_rows(path), "row"
    elif kind == "jsonl":
        rows, unit = _jsonl_rows(path, options), "line"
    elif kind == "csv":
        rows, unit = _csv_rows(path, options), "row"
    else:
        raise IngestError(f"{path}: not a CSV, JSON Lines or Parquet file; name the format with --format")
    try:
        yield from _records(rows, path, options, kind, unit)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: cannot decode as {exc.encoding} ({exc.reason}); "
                          "give the file's encoding with --encoding, e.g. cp1252") from exc


def _head(path: Path) -> str:
    with open(path, "rb") as handle:
        return handle.read(_SNIFF).decode("utf-8", errors="replace").lstrip("\ufeff")


def _open_text(path: Path, options: ReadOptions):
    encoding = options.encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise IngestError(f"unknown encoding '{encoding}'; use for example utf-8 or cp1252") from exc
    return open(path, encoding=encoding, newline="")


def _csv_rows(path: Path, options: ReadOptions) -> Iterator[tuple[int, list[str] | None, dict | tuple]]:
    """(0, header, {}) first, then (row number, header, row dict) or (row number, None, (error, raw))."""
    csv.field_size_limit(sys.maxsize)
    with _open_text(path, options) as handle:
        sample = handle.read(_SNIFF)
        handle.seek(0)
        delimiter, quoting = table_dialect(path, sample.split("\n", 1)[0])
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip() for h in header]
        yield 0, header, {}
        number = 0
        try:
            for row in reader:
                if not row or row == [""]:
                    continue  # blank lines hold no record
                number += 1
                if len(row) != len(header):
                    error = f"malformed row (line {reader.line_num}): expected {len(header)} fields, found {len(row)}"
                    yield number, None, (error, delimiter.join(row))
                else:
                    yield number, header, dict(zip(header, row))
        except csv.Error as exc:
            yield number + 1, None, (f"malformed CSV (line {reader.line_num}): {exc}", "")


def _jsonl_rows(path: Path, options: ReadOptions) -> Iterator[tuple[int, list[str] | None, dict | tuple]]:
    header: list[str] | None = None
    with _open_text(path, options) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, (f"malformed JSON: {exc.msg} at column {exc.colno}", line)
                continue
            if not isinstance(record, dict):
                yield number, None, ("not a JSON object", line)
                continue
            if header is None:
                header = list(record)
                yield 0, header, {}
            yield number, list(record), record


def _parquet_rows(path: Path) -> Iterator[tuple[int, list[str] | None, dict | tuple]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError subclasses
        raise IngestError(f"{path}: not a readable Parquet file ({exc})") from exc
    header = parquet.schema_arrow.names
    yield 0, header, {}
    number = 0
    for batch in parquet.iter_batches(batch_size=20_000):
        for record in batch.to_pylist():
            number += 1
            yield number, header, record


def _records(rows, path: Path, options: ReadOptions, fmt: str, unit: str) -> Iterator[Item]:
    mapping: _Mapping | None = None
    for number, header, record in rows:
        if number == 0:
            mapping = _Mapping(header, options, path)
            continue
        where = f"{unit} {number}"
        if header is None:
            reason, raw = record
            yield Rejected(where, reason, raw=raw)
            continue
        if mapping is None:
            mapping = _Mapping(header, options, path)
        yield _draft(record, mapping, path, options, fmt, where)


def _cell(record: dict, mapping: _Mapping, name: str) -> str | None:
    column = mapping.names.get(name)
    if column is None:
        return None
    value = record.get(column)
    if value is None or (isinstance(value, float) and value != value):
        return None
    value = str(value).strip() if not isinstance(value, (int, float)) else value
    return value if value != "" else None


def _as_json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


def _draft(record: dict, mapping: _Mapping, path: Path, options: ReadOptions, fmt: str, where: str) -> Item:
    text = record.get(mapping.names["text"])
    if text is None or not str(text).strip():
        return Rejected(where, "empty text", raw=_as_json(record))
    try:
        created = parse_timestamp(_cell(record, mapping, "created_at"), options.timezone)
    except (ValueError, OverflowError, OSError) as exc:
        return Rejected(where, f"bad created_at: {exc}", raw=_as_json(record))
    source = options.source or _cell(record, mapping, "source")
    prefix = f"{source}:" if source else f"{fmt}:{path.stem}:"
    local_id = _cell(record, mapping, "id")
    if local_id is None:
        local_id = where.split()[-1]

    def qualify(value):
        if value is None:
            return None
        value = str(value)
        return value if value.startswith(prefix) else prefix + value

    lang = _cell(record, mapping, "lang")
    return Draft(
        id=qualify(local_id),
        source=source or fmt,
        created_at=created,
        raw_text=str(text),
        thread_id=qualify(_cell(record, mapping, "thread_id")),
        parent_id=qualify(_cell(record, mapping, "parent_id")),
        author=_cell(record, mapping, "author"),
        url=_cell(record, mapping, "url"),
        lang=lang if lang in LANGS else None,
        where=where,
    )

"""A table file (CSV, TSV, .txt, JSON Lines, Parquet) read as DataFrames of a given number of
rows, every value text, as `tracker classify` reads its input."""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tracker.errors import InputError

# Bytes the CSV reader parses at a time: 4 MB read 200,000 comments fastest (1 MB and 16 MB
# were slower), about 20,000 rows a block.
_BLOCK_BYTES = 4 << 20


def read_chunks(path: Path, rows: int, columns: list[str] | None = None):
    """DataFrames of `rows` rows of `path`, by its extension; with `columns`, only those of
    them the file has (the others are not parsed, where the format allows)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
            names = None if columns is None else [c for c in parquet.schema_arrow.names if c in columns]
            for batch in parquet.iter_batches(batch_size=rows, columns=names):
                yield batch.to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    elif suffix in (".jsonl", ".ndjson"):
        try:
            for chunk in pd.read_json(path, lines=True, chunksize=rows, dtype=False):
                yield chunk if columns is None else chunk[[c for c in chunk.columns if c in columns]]
        except ValueError as exc:
            raise InputError(f"{path}: not valid JSON Lines ({exc}); each line must hold one JSON object") from exc
    elif suffix in (".csv", ".tsv", ".txt"):
        yield from _delimited_chunks(path, rows, columns)
    else:
        raise InputError(f"{path}: cannot classify '{suffix}' files; use .csv, .tsv, .txt, .jsonl or .parquet")


def _header(path: Path, options: dict) -> list[str]:
    """The column names, a repeated name numbered as pandas numbers it ("a", "a.1")."""
    with open(path, encoding=options["encoding"], errors="replace", newline="") as handle:
        names = next(csv.reader(handle, delimiter=options["sep"], quoting=options["quoting"]), [])
    seen: Counter = Counter()
    numbered = []
    for name in names:
        numbered.append(f"{name}.{seen[name]}" if seen[name] else name)
        seen[name] += 1
    return numbered


def _delimited_chunks(path: Path, rows: int, columns: list[str] | None):
    """CSV, TSV or a .txt table in its own encoding (UTF-8, else cp1252 and kin), with the
    delimiter and quoting the ingest reader and labeled files use (`read_csv_options`), parsed
    by Arrow's CSV reader: four times faster than pandas', and its strings are not copied to
    Python objects."""
    import pyarrow.csv as pacsv

    from tracker.ingest.tables import read_csv_options

    options = read_csv_options(path)
    names = _header(path, options)
    if not names:
        raise InputError(f"{path}: empty; a table starts with a header row naming its columns")
    wanted = names if columns is None else [name for name in names if name in columns]
    if not wanted:  # (Arrow would read every column)
        return
    reader_options = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK_BYTES,
                                       encoding=options["encoding"].replace("-sig", ""))
    parse = pacsv.ParseOptions(delimiter=options["sep"], newlines_in_values=True,
                               quote_char='"' if options["quoting"] != csv.QUOTE_NONE else False)
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in wanted}, include_columns=wanted,
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    held: list[pa.RecordBatch] = []
    try:
        for batch in pacsv.open_csv(path, read_options=reader_options, parse_options=parse, convert_options=convert):
            held.append(batch)
            while sum(len(b) for b in held) >= rows:
                table = pa.Table.from_batches(held)
                yield table.slice(0, rows).to_pandas()
                held = table.slice(rows).to_batches()
        if any(len(b) for b in held):
            yield pa.Table.from_batches(held).to_pandas()
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: {_row_error(path, options) or exc}; check its delimiter, quoting and "
                         f"encoding ({options['encoding']}), or save it as UTF-8") from exc


def _row_error(path: Path, options: dict) -> str | None:
    """What pandas says of the first unreadable row (it names the line; Arrow's streaming
    reader does not), or None if pandas reads the file."""
    try:
        for _ in pd.read_csv(path, chunksize=100_000, dtype=str, keep_default_na=False, **options):
            pass
    except UnicodeDecodeError:
        return _undecodable(path, options["encoding"])
    except pd.errors.ParserError as exc:
        return str(exc).strip().replace("Error tokenizing data. C error: ", "")
    return None


def _undecodable(path: Path, encoding: str) -> str:
    """Where the file stops being text in `encoding`: its line and byte."""
    decoder, read, lines = codecs.getincrementaldecoder(encoding)(), 0, 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(exc.object) + len(block), 0)  # the decoder may hold bytes of the last block
                line = lines + block.count(b"\n", 0, at)
                return f"not readable as {encoding} at line {line} (byte {read + at})"
            read, lines = read + len(block), lines + block.count(b"\n")
    return f"not readable as {encoding}"

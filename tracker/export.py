"""Write comments with their labels to CSV, JSON Lines or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from tracker.errors import InputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "jsonl", "parquet")
_SUFFIXES = {"ndjson": "jsonl"}  # other names of a format


def neutralize_formula(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize_formula)
    return out


def export_format(path: Path, fmt: str | None = None) -> str:
    fmt = fmt or _SUFFIXES.get(path.suffix.lower().lstrip("."), path.suffix.lower().lstrip("."))
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"{path}: cannot tell the export format from '{path.suffix}'; use .csv, .jsonl or .parquet, "
                         "or --format")
    return fmt


def write_frames(frames: Iterable[pd.DataFrame], path: str | Path, fmt: str | None = None,
                 columns: list[str] | None = None) -> int:
    """Write DataFrames (all with the same columns) to one file; returns the row count.

    With no frames at all, an empty file with `columns` as its header is written.
    """
    path = Path(path)
    fmt = export_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, writer, first = 0, None, True
    try:
        for frame in frames:
            rows += len(frame)
            if fmt == "csv":
                safe_for_spreadsheet(frame).to_csv(path, mode="w" if first else "a", header=first, index=False)
            elif fmt == "jsonl":
                with open(path, "w" if first else "a", encoding="utf-8") as handle:
                    if len(frame):  # one object per line, each line ended
                        frame.to_json(handle, orient="records", lines=True, force_ascii=False)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table.cast(writer.schema))
            first = False
        if first:
            empty = pd.DataFrame(columns=columns or [])
            if fmt == "jsonl":
                path.write_text("", encoding="utf-8")
            else:
                empty.to_csv(path, index=False) if fmt == "csv" else empty.to_parquet(path, index=False)
    finally:
        if writer is not None:
            writer.close()
    return rows

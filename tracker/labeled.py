"""Labeled files: read them in the label contract's format, check them, describe them.

The contract is docs/labeling.md: one comment a row with `id`, `lang`, `text`, `stance`,
`arguments` (tags joined by ';') and `sentiment`, plus optional metadata columns.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from tracker.errors import InputError, LabelError
from tracker.schema import ARGUMENTS, LABELED_OPTIONAL, LABELED_REQUIRED, LANGS, SENTIMENTS, STANCES, split_arguments

READABLE = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".parquet")


def read_table(path: str | Path) -> pd.DataFrame:
    """A whole CSV/TSV/.txt table, JSON Lines or Parquet file as strings (labeled files are small)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False)
        elif suffix in (".csv", ".tsv", ".txt"):
            from tracker.ingest.tables import read_csv_options

            # the whole file is checked for its encoding: labeled files are small
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, **read_csv_options(path, whole=True))
        else:
            raise InputError(f"{path}: unsupported extension '{suffix}'; use one of {', '.join(READABLE)}")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot be read as {suffix[1:]} ({exc})") from exc
    return frame.fillna("").astype(str) if suffix != ".csv" else frame


def read_labeled(paths: Sequence[str | Path], columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Labeled files concatenated, with columns renamed to the contract's names.

    `columns` maps a contract name to the file's column name ({"text": "tweet"}).
    A `file` column records where each row came from.
    """
    columns = columns or {}
    frames = []
    for path in paths:
        frame = read_table(path)
        rename = {theirs: ours for ours, theirs in columns.items() if theirs in frame.columns}
        missing_mapped = [f"{theirs}" for ours, theirs in columns.items() if theirs not in frame.columns]
        if missing_mapped:
            raise InputError(f"{path}: column(s) {', '.join(missing_mapped)} not found; "
                             f"columns are: {', '.join(frame.columns[:15])}")
        frame = frame.rename(columns=rename)
        for required in ("text",):
            if required not in frame.columns:
                raise InputError(f"{path}: column '{required}' not found; use --{required}-column to name it")
        frame["file"] = str(path)
        frames.append(frame)
    if not frames:
        raise InputError("no labeled file given")
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1-based data row, as a spreadsheet shows it below the header (row 2 = first data row)
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, {self.field}: {self.message}"


_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def check_labeled_frame(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Every way the rows break the label contract, each with its row, field and fix."""
    problems: list[Problem] = []
    for column in LABELED_REQUIRED:
        if column not in frame.columns:
            problems.append(Problem(file, 1, column, "required column is missing from the header"))
    if problems:
        return problems
    ids = frame["id"].astype(str)
    duplicated = set(ids[ids.duplicated()])
    known_ids = set(ids)
    for index, row in enumerate(frame.itertuples(index=False)):
        record = row._asdict()
        number = index + 2
        add = lambda field, message: problems.append(Problem(file, number, field, message))  # noqa: E731
        if not str(record["id"]).strip():
            add("id", "empty; give every row a unique id")
        elif record["id"] in duplicated:
            add("id", f"'{record['id']}' is used by more than one row")
        if record["lang"] not in LANGS:
            add("lang", f"'{record['lang']}' is not one of {', '.join(LANGS)}")
        if not str(record["text"]).strip():
            add("text", "empty; label only comments with words of their own")
        if record["stance"] not in STANCES:
            add("stance", f"'{record['stance']}' is not one of {', '.join(STANCES)}")
        tags = split_arguments(record["arguments"])
        for tag in tags:
            if tag not in ARGUMENTS:
                add("arguments", f"'{tag}' is not one of {', '.join(ARGUMENTS)} (separate tags with ';')")
        if len(set(tags)) != len(tags):
            add("arguments", "a tag is repeated")
        if record["stance"] == "off_topic" and tags:
            add("arguments", "an off_topic comment carries no argument tags")
        if record["sentiment"] not in SENTIMENTS:
            add("sentiment", f"'{record['sentiment']}' is not one of {', '.join(SENTIMENTS)}")
        created = str(record.get("created_at", "") or "")
        if created and not _TIME.match(created):
            add("created_at", f"'{created}' is not ISO 8601 with a time zone (2025-01-27T14:32:00+01:00)")
        parent = str(record.get("parent_id", "") or "")
        if parent and parent not in known_ids:
            add("parent_id", f"'{parent}' is not the id of a row in this file")
        raw = str(record.get("raw_text", "") or "")
        if raw and str(record["text"]).strip() and not _contains_words(raw, str(record["text"])):
            add("raw_text", "does not contain the text column's words; raw_text is the text with its quotes")
    return problems


def _contains_words(raw: str, text: str) -> bool:
    """Whether `raw` holds the words of `text`, paragraph by paragraph in order (a quote may
    sit between two of them), whatever the spacing and punctuation."""
    squash = lambda s: re.sub(r"\W+", "", s.lower())  # noqa: E731
    rest = squash(raw)
    for words in map(squash, re.split(r"\n\s*\n", text)):
        at = rest.find(words)
        if at < 0:
            return False
        rest = rest[at + len(words):]
    return True


def check_labeled_file(path: str | Path) -> list[Problem]:
    return check_labeled_frame(read_table(path), str(path))


def require_valid(paths: Iterable[str | Path], show: int = 20) -> None:
    """Raise LabelError listing the first problems when any file breaks the contract."""
    problems = [p for path in paths for p in check_labeled_file(path)]
    if problems:
        listed = "\n".join(str(p) for p in problems[:show])
        more = f"\n... and {len(problems) - show} more" if len(problems) > show else ""
        raise LabelError(f"{len(problems)} problem(s) with the label contract (docs/labeling.md):\n{listed}{more}")


def describe_labeled(frame: pd.DataFrame) -> dict:
    """Counts per language of stance, sentiment and argument tags, and trait shares."""
    out: dict = {"rows": len(frame), "by_lang": {}}
    for lang, part in frame.groupby("lang"):
        tags = Counter(tag for cell in part["arguments"] for tag in split_arguments(cell))
        out["by_lang"][lang] = {
            "rows": len(part),
            "stance": part["stance"].value_counts().to_dict(),
            "sentiment": part["sentiment"].value_counts().to_dict(),
            "arguments": dict(tags),
            "sources": part["source"].value_counts().to_dict() if "source" in part else {},
        }
    if "traits" in frame:
        traits = Counter(t for cell in frame["traits"] for t in split_arguments(cell))
        out["traits"] = dict(traits)
    if "raw_text" in frame:
        out["quoting_replies"] = int((frame["raw_text"].str.strip() != frame["text"].str.strip()).sum())
    return out


# --- near-duplicates --------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def word_trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    words = _WORD.findall(text.lower())
    return frozenset(zip(words, words[1:], words[2:]))


def near_duplicates(texts: Sequence[str], threshold: float = 0.6) -> list[tuple[int, int, float]]:
    """Pairs (i, j, overlap) whose shared word 3-grams exceed `threshold` of the smaller set's,
    plus exact duplicate texts (overlap 1.0) however short."""
    grams = [word_trigrams(t) for t in texts]
    index: dict[tuple, list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    pairs: list[tuple[int, int, float]] = []
    for i, g in enumerate(grams):
        if not g:
            continue
        shared: Counter = Counter()
        for gram in g:
            for j in index[gram]:
                if j > i:
                    shared[j] += 1
        for j, n in shared.items():
            overlap = n / min(len(g), len(grams[j]))
            if overlap > threshold:
                pairs.append((i, j, overlap))
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(_WORD.findall(text.lower()))
        if key in seen and not grams[i]:
            pairs.append((seen[key], i, 1.0))
        seen.setdefault(key, i)
    return pairs

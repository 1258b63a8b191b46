import csv
import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from tracker.errors import IngestError
from tracker.ingest import tables
from tracker.ingest.base import ReadOptions
from tracker.ingest.pipeline import ingest_file
from tracker.times import parse_timestamp

from tests.helpers import write

FRENCH = "Mistral, c'est la souveraineté européenne à portée de main. Les Américains n'ont qu'à bien se tenir."


def rows_csv(path, rows, header=("id", "text", "created_at", "author"), encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stored_texts(store):
    return dict(store.conn.execute("SELECT id, text FROM comments"))


def test_counts_reconcile_and_each_reject_names_its_row_and_reason(store, tmp_path):
    path = rows_csv(tmp_path / "mixed.csv", [
        ("1", "Open weights are the future", "2025-01-27T10:00:00+01:00", "ana"),
        ("2", "", "2025-01-27T10:05:00+01:00", "bo"),
        ("3", "R1 is just distilled GPT-4", "yesterday-ish", "cy"),
        ("4", "Closed labs still lead on reasoning", "1737972000", "di"),
        ("4", "A different text under the same id", "1737972000", "di"),
        ("5", "> quoted only", "1737972000", "ed"),
    ])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('6,"too",many,fields,here\n')
    rejects = tmp_path / "rejects.csv"
    summary = ingest_file(store, path, rejects_path=rejects)
    assert summary.read == 7
    assert summary.read == summary.stored + summary.rejected
    assert (summary.stored, summary.rejected) == (2, 5)
    rejected = list(csv.DictReader(open(rejects, encoding="utf-8")))
    assert {r["where"] for r in rejected} >= {"row 2", "row 3", "row 5", "row 6", "row 7"}
    reasons = " | ".join(r["reason"] for r in rejected)
    for expected in ("empty text", "bad created_at", "duplicate id with different content", "only quoted text",
                     "malformed row"):
        assert expected in reasons
    assert store.count_comments() == summary.stored
    run = store.runs(kind="ingest")[0]
    assert (run["read"], run["stored"], run["rejected"], run["status"]) == (7, 2, 5, "done")


def test_ingesting_the_same_file_twice_is_a_no_op(store, tmp_path):
    path = rows_csv(tmp_path / "c.csv", [(str(n), f"comment number {n} about open models", "2025-02-01T00:00:00Z", "x")
                                         for n in range(30)])
    first = ingest_file(store, path)
    before = store.conn.execute("SELECT id, content_hash, ingested_at FROM comments ORDER BY id").fetchall()
    second = ingest_file(store, path)
    assert (first.new, second.new, second.updated, second.unchanged) == (30, 0, 0, 30)
    assert store.conn.execute("SELECT id, content_hash, ingested_at FROM comments ORDER BY id").fetchall() == before


def test_edited_comment_is_updated_on_reingest(store, tmp_path):
    path = rows_csv(tmp_path / "c.csv", [("1", "first version", "2025-02-01T00:00:00Z", "x")])
    ingest_file(store, path)
    rows_csv(path, [("1", "edited version", "2025-02-01T00:00:00Z", "x")])
    summary = ingest_file(store, path)
    assert (summary.updated, summary.new) == (1, 0)
    assert stored_texts(store) == {"csv:c:1": "edited version"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_french_text_in_every_supported_encoding(store, tmp_path, encoding):
    path = rows_csv(tmp_path / "fr.csv", [("1", FRENCH, "2025-02-10T09:00:00+01:00", "Zorglub75")], encoding=encoding)
    summary = ingest_file(store, path)
    assert summary.stored == 1
    comment = store.get_comment("csv:fr:1")
    assert comment.text == FRENCH
    assert comment.lang == "fr"


def test_wrong_explicit_encoding_is_a_clear_error(store, tmp_path):
    path = write(tmp_path / "fr.csv", "id,text,created_at\n1,Ça coûte cher,2025-01-01T00:00:00Z\n", encoding="cp1252")
    with pytest.raises(IngestError, match="fr.csv.*--encoding"):
        ingest_file(store, path, options=ReadOptions(encoding="utf-8"))


@pytest.mark.parametrize("value, zone, expected", [
    ("2025-01-27T15:32:00+01:00", "UTC", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    ("2025-01-27T14:32:00Z", "UTC", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    ("1737988320", "UTC", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    ("1737988320000", "UTC", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    (1737988320.0, "UTC", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    ("2025-01-27 15:32:00", "Europe/Paris", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
    ("2025-04-05 15:32:00", "Europe/Paris", datetime(2025, 4, 5, 13, 32, tzinfo=timezone.utc)),
    ("27/01/2025 15:32", "Europe/Paris", datetime(2025, 1, 27, 14, 32, tzinfo=timezone.utc)),
])
def test_timestamps_end_up_in_utc(value, zone, expected):
    assert parse_timestamp(value, zone) == expected


def test_naive_times_are_read_in_the_given_timezone(store, tmp_path):
    path = rows_csv(tmp_path / "paris.csv", [("1", "Le Chat est rapide", "2025-02-10 10:00:00", "a")])
    ingest_file(store, path, options=ReadOptions(timezone="Europe/Paris"))
    assert store.get_comment("csv:paris:1").created_at == datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)


def test_column_mapping_and_a_missing_column_names_the_option(store, tmp_path):
    path = rows_csv(tmp_path / "export.csv", [("a1", "Llama 4 flopped", "2025-04-07T12:00:00Z", "q")],
                    header=("post", "body", "posted", "who"))
    with pytest.raises(IngestError, match="column 'text' not found.*--text-column"):
        ingest_file(store, path)
    options = ReadOptions(columns={"id": "post", "text": "body", "created_at": "posted", "author": "who"})
    assert ingest_file(store, path, options=options).stored == 1
    assert store.get_comment("csv:export:a1").author == "q"


def test_jsonl_with_a_malformed_line_rejects_it_and_keeps_the_rest(store, tmp_path):
    lines = [json.dumps({"id": "n1", "source": "news-fr", "thread_id": "t1", "parent_id": None, "author": "a",
                         "created_at": "2025-01-28T08:00:00+01:00", "raw_text": "Citation de b :\nc'est fini\n\nNon."}),
             '{"id": "n2", "raw_text": "broken',
             json.dumps({"id": "n3", "source": "news-fr", "thread_id": "t1", "parent_id": "n1", "author": "c",
                         "created_at": "2025-01-28T09:00:00+01:00", "raw_text": "Bien vu, merci pour la source."})]
    path = write(tmp_path / "forum.jsonl", "\n".join(lines) + "\n")
    summary = ingest_file(store, path, rejects_path=tmp_path / "r.csv")
    assert (summary.read, summary.stored, summary.rejected) == (3, 2, 1)
    reply = store.get_comment("news-fr:n3")
    assert reply.parent_id == "news-fr:n1" and reply.thread_id == "news-fr:t1"
    quoting = store.get_comment("news-fr:n1")
    assert quoting.text == "Non." and quoting.quoted == "b" and "c'est fini" in quoting.raw_text


def test_parquet_is_read_in_batches(store, tmp_path):
    frame = pd.DataFrame({"id": [str(n) for n in range(100)], "text": [f"point {n} on open weights" for n in range(100)],
                          "created_at": pd.date_range("2025-01-20", periods=100, freq="h", tz="UTC")})
    path = tmp_path / "c.parquet"
    frame.to_parquet(path)
    assert ingest_file(store, path).stored == 100


def test_a_killed_ingest_resumes_without_loss_or_duplicates(store, tmp_path, monkeypatch):
    path = rows_csv(tmp_path / "big.csv", [(str(n), f"comment {n} on closed labs", "2025-03-01T00:00:00Z", "x")
                                           for n in range(1000)])
    real_read = tables.read

    def dies_halfway(path, options):
        for number, item in enumerate(real_read(path, options)):
            if number == 650:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(tables, "read", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(store, path, options=ReadOptions(chunk_rows=100))
    assert store.count_comments() == 600
    assert store.runs(kind="ingest")[0]["status"] == "failed"
    monkeypatch.setattr(tables, "read", real_read)
    summary = ingest_file(store, path, options=ReadOptions(chunk_rows=100))
    assert (summary.new, summary.unchanged) == (400, 600)
    assert store.count_comments() == 1000


def test_sniffing_tells_tables_apart(tmp_path):
    assert tables.sniff_table('{"id": 1}', tmp_path / "x.txt") == "jsonl"
    assert tables.sniff_table("id,text\n1,a", tmp_path / "x.dat") == "csv"
    assert tables.sniff_table("id\ttext\n1\ta", tmp_path / "x.tsv") == "csv"

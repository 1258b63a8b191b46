"""`tracker ingest` on forum exports: detection, --format, --timezone, --source."""

from datetime import datetime, timezone

import pytest

from tracker.store import Store
from tests.helpers import run
from tests.ingest.importer_helpers import FIXTURES

PHPBB30 = FIXTURES / "forum_html" / "phpbb30_cout.html"
FIRST_POST = "phpbb:linuxien.example:99001"


def stored_time(db, comment_id):
    with Store(db) as store:
        return store.get_comment(comment_id).created_at


def test_every_format_is_detected_and_summarised(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # rejects/ files land here
    db = str(tmp_path / "t.db")
    files = [FIXTURES / "hn/item_deepseek_r1.json", FIXTURES / "reddit/comments_1ibx7k2.json",
             FIXTURES / "discourse/t_5120.json", FIXTURES / "disqus/blog-ia-export.xml"]
    code, out, err = run(capsys, "--db", db, "ingest", "--quiet", *map(str, files))
    assert code == 0, err
    assert "total: read 35, stored 21, rejected 14" in out
    assert (tmp_path / "rejects" / "t_5120.json.rejects.csv").exists()


def test_forced_format_and_timezone_for_a_forum_page(capsys, tmp_path):
    db = str(tmp_path / "t.db")
    code, out, _ = run(capsys, "--db", db, "ingest", "--quiet", "--format", "forum-html", str(PHPBB30),
                       "--rejects", str(tmp_path / "r.csv"))
    assert code == 0 and "stored 2" in out and "no date 1" in out
    assert stored_time(db, FIRST_POST) == datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc)  # Paris winter time


def test_explicit_timezone_wins(capsys, tmp_path):
    db = str(tmp_path / "t.db")
    run(capsys, "--db", db, "ingest", "--quiet", "--timezone", "America/Montreal", str(PHPBB30),
        "--rejects", str(tmp_path / "r.csv"))
    assert stored_time(db, FIRST_POST) == datetime(2025, 3, 30, 5, 30, tzinfo=timezone.utc)


def test_detected_forum_page_defaults_to_paris_time(capsys, tmp_path):
    db = str(tmp_path / "t.db")
    run(capsys, "--db", db, "ingest", "--quiet", str(PHPBB30), "--rejects", str(tmp_path / "r.csv"))
    assert stored_time(db, FIRST_POST) == datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc)


def test_truncated_export_is_one_line_error_naming_the_file(capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(tmp_path / "t.db"), "ingest", "--quiet",
                       str(FIXTURES / "hn/truncated.json"))
    assert code == 1
    assert err.startswith("tracker: error: ") and "truncated.json" in err and err.count("\n") == 1


def test_source_names_the_forum_of_a_page_without_address(capsys, tmp_path):
    page = tmp_path / "saved.html"
    page.write_text(PHPBB30.read_text().replace('<base href="https://linuxien.example/forum/" />', ""))
    db = str(tmp_path / "t.db")
    code, _, err = run(capsys, "--db", db, "ingest", "--quiet", str(page))
    assert code == 1 and "--source phpbb:forum.example.com" in err
    code, out, _ = run(capsys, "--db", db, "ingest", "--quiet", "--source", "phpbb:linuxien.example", str(page),
                       "--rejects", str(tmp_path / "r.csv"))
    assert code == 0 and "stored 2" in out

import csv
import subprocess
import sys

import click
import pandas as pd
import pytest

from tests.helpers import run, write
from tracker.cli import cli


def all_commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


def test_help_lists_every_command_with_a_summary(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name, command in cli.commands.items():
        assert name in out
        assert command.get_short_help_str()


@pytest.mark.parametrize("path", [p for p, c in all_commands() if not isinstance(c, click.Group)],
                         ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(capsys, path):
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0
    assert "Example" in out
    assert f"tracker {' '.join(path)}" in out


def test_console_script_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "tracker", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "tracker" in result.stdout


def test_missing_input_file_is_a_usage_error_with_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(tmp_path / "t.db"), "ingest", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err


def test_library_errors_become_one_line_and_exit_1(capsys, tmp_path):
    path = write(tmp_path / "export.csv", "post,body\n1,hello\n")
    code, out, err = run(capsys, "--db", str(tmp_path / "t.db"), "ingest", "--quiet", str(path))
    assert code == 1
    assert err.startswith("tracker: error: ") and err.count("\n") == 1
    assert "--text-column" in err


def test_bad_timezone_names_the_option(capsys, tmp_path):
    path = write(tmp_path / "c.csv", "id,text,created_at\n1,hello there,2025-01-01T00:00:00\n")
    code, _, err = run(capsys, "--db", str(tmp_path / "t.db"), "ingest", "--timezone", "Mars/Olympus", str(path))
    assert code == 1 and "time zone 'Mars/Olympus'" in err


def test_ingest_stats_and_export_round_trip_with_formula_neutralised(capsys, tmp_path):
    db = str(tmp_path / "t.db")
    path = write(tmp_path / "c.csv", "id,text,created_at,author\n"
                 "1,=HYPERLINK(\"http://evil.test\"),2025-01-27T10:00:00Z,@mallory\n"
                 "2,-17% on Nvidia today,2025-01-27T11:00:00Z,ana\n"
                 "3,Open weights win,2025-01-27T12:00:00Z,bo\n")
    code, out, _ = run(capsys, "--db", db, "ingest", "--quiet", str(path), "--rejects", str(tmp_path / "r.csv"))
    assert code == 0 and "read 3, stored 3" in out
    code, out, _ = run(capsys, "--db", db, "stats")
    assert code == 0 and "comments: 3" in out
    code, out, _ = run(capsys, "--db", db, "export", "--out", str(tmp_path / "out.csv"))
    assert code == 0 and "wrote 3 comments" in out
    rows = {r["id"]: r for r in csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8"))}
    assert rows["csv:c:1"]["text"] == "'=HYPERLINK(\"http://evil.test\")"
    assert rows["csv:c:1"]["author"] == "'@mallory"
    assert rows["csv:c:2"]["text"] == "'-17% on Nvidia today"
    assert rows["csv:c:3"]["text"] == "Open weights win"
    code, _, _ = run(capsys, "--db", db, "export", "--out", str(tmp_path / "out.parquet"))
    parquet = pd.read_parquet(tmp_path / "out.parquet")
    assert code == 0 and parquet.loc[parquet["id"] == "csv:c:1", "text"].item() == "=HYPERLINK(\"http://evil.test\")"


def test_export_of_an_unknown_extension_says_which_to_use(capsys, tmp_path):
    db = str(tmp_path / "t.db")
    write(tmp_path / "c.csv", "id,text,created_at\n1,hello there,2025-01-01T00:00:00Z\n")
    run(capsys, "--db", db, "ingest", "--quiet", str(tmp_path / "c.csv"))
    code, _, err = run(capsys, "--db", db, "export", "--out", str(tmp_path / "out.xlsx"))
    assert code == 1 and ".csv, .jsonl or .parquet" in err


def test_classify_chunks_default_to_the_library_s_chunk_size():
    from tracker.classify import CHUNK_ROWS

    option = next(p for p in cli.commands["classify"].params if p.name == "chunk_rows")
    assert option.default == CHUNK_ROWS


def test_the_command_line_and_the_worker_processes_start_without_libraries_they_do_not_need_yet():
    """`tracker classify` starts its workers before it imports pandas and scikit-learn (the
    workers import them while it loads the model), and no command pays for scipy.optimize
    (a quarter second) unless it estimates shares."""
    import subprocess
    import sys

    code = ("import sys, {module}; print(' '.join(m for m in ('pandas', 'sklearn', 'scipy.optimize') "
            "if m in sys.modules))")
    loaded = {module: subprocess.run([sys.executable, "-c", code.format(module=module)], capture_output=True,
                                     text=True, check=True).stdout.split()
              for module in ("tracker.workers", "tracker.cli")}
    assert loaded["tracker.workers"] == []
    assert "scipy.optimize" not in loaded["tracker.cli"] and "sklearn" not in loaded["tracker.cli"]

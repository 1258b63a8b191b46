"""`tracker trends` and `tracker shifts` (tracker/cli/trends.py), run as a user runs them."""

from __future__ import annotations

import io

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.dashboard.conftest import VERSION
from tracker.cli import cli
from tracker.cli.trends import shifts, trends
from tracker.errors import InputError
from tracker.schema import STANCES


@pytest.fixture
def invoke(monkeypatch, models_path):
    """Run the real `tracker` group with these two commands added, as `tracker --db DB ...`."""
    monkeypatch.setenv("TRACKER_MODELS", str(models_path))
    group = click.Group(name="tracker", commands={**cli.commands, "trends": trends, "shifts": shifts},
                        params=cli.params, callback=cli.callback)

    def run(db, *args):
        return CliRunner().invoke(group, ["--db", str(db), *map(str, args)], catch_exceptions=True)

    return run


def test_trends_prints_one_line_per_period_counting_every_comment(invoke, forum_db):
    result = invoke(forum_db, "trends", "--grain", "week")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["period", "comments"] and len(lines) == 1 + 8
    assert sum(int(line.split()[1]) for line in lines[1:]) == 48
    assert "[" in lines[1]  # intervals
    assert f"corrected shares with 95% intervals; model {VERSION}" in result.stderr


def test_trends_csv_is_the_library_table_and_shares_sum_to_one(invoke, forum_db):
    result = invoke(forum_db, "trends", "--grain", "month", "--csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["period", "stance", "n", "total", "raw_share", "share", "low", "high"]
    assert set(table["stance"]) == set(STANCES)
    sums = table.groupby("period")[["share", "raw_share"]].sum()
    assert (sums.round(6) == 1).all().all()
    assert table.groupby("period")["n"].sum().sum() == 48


def test_trends_raw_counts_the_labels_as_they_are(invoke, forum_db):
    raw = pd.read_csv(io.StringIO(invoke(forum_db, "trends", "--raw", "--csv").stdout))
    assert ((raw["share"] - raw["raw_share"]).abs() < 1e-6).all()
    printed = invoke(forum_db, "trends", "--raw").stdout.splitlines()
    assert "[" not in printed[1]


def test_trends_filters_narrow_the_count(invoke, forum_db):
    result = invoke(forum_db, "trends", "--since", "2025-01-20", "--lang", "fr", "--source", "forum",
                    "--tz", "Europe/Paris", "--csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table.groupby("period")["n"].sum().sum() == 15
    assert table["period"].min() >= "2025-01-20"


def test_shifts_finds_the_change_at_deepseek_r1(invoke, forum_db, events_path):
    result = invoke(forum_db, "shifts", "--grain", "week", "--events", events_path)
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith("2025-01-20  pro_open ") and "nearest event: DeepSeek-R1 (2025-01-20, the same day)" in line
    table = pd.read_csv(io.StringIO(invoke(forum_db, "shifts", "--events", events_path, "--csv").stdout))
    assert table["nearest_event"].tolist() == ["DeepSeek-R1"] and table["delta"].iloc[0] > 0.3


def test_shifts_says_so_when_nothing_moved(invoke, forum_db):
    result = invoke(forum_db, "shifts", "--grain", "month", "--stance", "off_topic")
    assert result.exit_code == 0 and result.stdout == "" and "no shift detected in the off_topic share" in result.stderr


@pytest.mark.parametrize("command", ["trends", "shifts"])
def test_an_empty_store_says_how_to_get_data(invoke, empty_db, command):
    result = invoke(empty_db, command)
    assert result.exit_code == 0 and "run 'tracker ingest FILE' then 'tracker classify'" in result.stderr


def test_a_bad_time_zone_is_an_input_error_naming_the_option(invoke, forum_db):
    result = invoke(forum_db, "trends", "--tz", "Mars/Olympus")
    assert isinstance(result.exception, InputError) and "time zone 'Mars/Olympus'" in str(result.exception)


def test_since_after_until_is_a_usage_error(invoke, forum_db):
    result = invoke(forum_db, "trends", "--since", "2025-02-01", "--until", "2025-01-01")
    assert result.exit_code == 2 and "--since" in result.output


@pytest.mark.parametrize("command", [trends, shifts])
def test_help_has_an_example(command):
    text = CliRunner().invoke(command, ["--help"]).output
    assert "Example:" in text and f"tracker {command.name} " in text

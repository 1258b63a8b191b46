from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker.ingest.dates import parse_forum_date

PARIS = ZoneInfo("Europe/Paris")
SAVED = date(2025, 1, 28)


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("27/01/2025, 14h32", utc(2025, 1, 27, 13, 32)),
        ("27/01/2025 à 14:32", utc(2025, 1, 27, 13, 32)),
        ("27/01/2025,\xa014h32", utc(2025, 1, 27, 13, 32)),
        ("#3 27-01-2025, 09h05", utc(2025, 1, 27, 8, 5)),
        ("15/07/2025, 14h32", utc(2025, 7, 15, 12, 32)),  # summer time: UTC+2
        ("Aujourd'hui, 09h15", utc(2025, 1, 28, 8, 15)),
        ("Aujourd’hui à 00h30", utc(2025, 1, 27, 23, 30)),  # curly apostrophe; crosses midnight in UTC
        ("Hier, 23h50", utc(2025, 1, 27, 22, 50)),
        ("par alice » lun. 27 janv. 2025 14:32", utc(2025, 1, 27, 13, 32)),
        ("Lun 27 Jan 2025 14:32", utc(2025, 1, 27, 13, 32)),
        ("1er février 2025, 08:00", utc(2025, 2, 1, 7, 0)),
        ("27 août 2025 à 10h00", utc(2025, 8, 27, 8, 0)),
        ("Dim 30 Mar 2025 01:30", utc(2025, 3, 30, 0, 30)),  # last minutes of winter time
        ("Dim 30 Mar 2025 03:30", utc(2025, 3, 30, 1, 30)),  # first hour of summer time
        ("01-27-2025, 02:32 PM", None),  # month-first US dates are not guessed
        ("Today, 02:32 PM", utc(2025, 1, 28, 13, 32)),
        ("date inconnue", None),
    ],
)
def test_parse_forum_date(written, expected):
    assert parse_forum_date(written, PARIS, SAVED) == expected


def test_board_zone_changes_the_instant():
    assert parse_forum_date("27/01/2025, 14h32", ZoneInfo("America/Montreal"), SAVED) == utc(2025, 1, 27, 19, 32)

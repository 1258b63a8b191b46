"""Dates as French (and English) forum pages write them, turned into UTC datetimes:
"27/01/2025, 14h32", "Aujourd'hui, 09h15", "Hier à 23:50", "lun. 27 janv. 2025 14:32",
"27 janvier 2025, 14:32". Page dates are wall-clock times in the board's time zone; "today"
and "yesterday" are relative to the day the page was saved.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "avril": 4, "avr": 4, "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "june": 6,
    "juillet": 7, "juil": 7, "jul": 7, "july": 7,
    "août": 8, "aout": 8, "aoû": 8, "aug": 8, "august": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "décembre": 12, "decembre": 12, "déc": 12, "dec": 12, "december": 12,
}
_TODAY = {"aujourd'hui": 0, "today": 0, "hier": 1, "yesterday": 1, "avant-hier": 2}

_TIME = r"(?P<hour>\d{1,2})\s*[h:]\s*(?P<minute>\d{2})(?:\s*(?::|s)\s*\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?"
_SEP = r"\s*(?:,|à|a|at|-)?\s*"
_NUMERIC = re.compile(rf"(?P<day>\d{{1,2}})[/.-](?P<month>\d{{1,2}})[/.-](?P<year>\d{{2,4}}){_SEP}{_TIME}", re.I)
_WORDED = re.compile(
    rf"(?:(?P<weekday>[^\W\d_]+)\.?,?\s+)?(?P<day>\d{{1,2}})(?:er)?\s+(?P<month>[^\W\d_]+)\.?\s+(?P<year>\d{{4}}){_SEP}{_TIME}",
    re.I,
)
_RELATIVE = re.compile(rf"(?P<word>aujourd'hui|today|avant-hier|hier|yesterday){_SEP}{_TIME}", re.I)


def parse_forum_date(text: str, tz: tzinfo, today: date) -> datetime | None:
    """UTC datetime of a date written on a forum page, read as wall-clock time in `tz`;
    "Aujourd'hui"/"Hier" count back from `today` (the board-local day the page was saved).
    None when `text` holds no date this function knows."""
    text = " ".join((text or "").replace("\xa0", " ").replace("’", "'").split())
    found = _RELATIVE.search(text)
    if found:
        day = today - timedelta(days=_TODAY[found.group("word").lower()])
        return _local(day, found, tz)
    found = _NUMERIC.search(text)
    if found:
        year = int(found.group("year"))
        year = year + 2000 if year < 100 else year
        try:
            return _local(date(year, int(found.group("month")), int(found.group("day"))), found, tz)
        except ValueError:
            return None
    for found in _WORDED.finditer(text):
        month = MONTHS.get(found.group("month").lower().rstrip("."))
        if month:
            try:
                return _local(date(int(found.group("year")), month, int(found.group("day"))), found, tz)
            except ValueError:
                return None
    return None


def _local(day: date, found: re.Match, tz: tzinfo) -> datetime:
    hour, minute = int(found.group("hour")), int(found.group("minute"))
    ampm = (found.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(timezone.utc)

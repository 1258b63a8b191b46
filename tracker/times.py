"""Timestamps from the wild to timezone-aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.errors import InputError

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_MS_THRESHOLD = 10**11  # epoch seconds stay below this until the year 5138
_EXTRA_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y/%m/%d %H:%M:%S", "%a, %d %b %Y %H:%M:%S %z")


@lru_cache(maxsize=64)
def zone(name: str):
    """A time zone by IANA name ('UTC', 'Europe/Paris'); raises InputError naming the option."""
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone '{name}'; use an IANA name such as UTC or Europe/Paris") from exc


def parse_timestamp(value: object, default_zone: str = "UTC") -> datetime:
    """UTC datetime from ISO 8601 (with or without offset), epoch seconds or milliseconds.

    Naive times are read in `default_zone`. Raises ValueError with the offending value.
    """
    if value is None:
        raise ValueError("missing timestamp")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(float(value))
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("empty timestamp")
        if _NUMBER.match(text):
            return _from_number(float(text))
        moment = _parse_text(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(default_zone))
    return moment.astimezone(timezone.utc)


def _from_number(number: float) -> datetime:
    if number != number:
        raise ValueError("timestamp is NaN")
    seconds = number / 1000 if abs(number) >= _MS_THRESHOLD else number
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _parse_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _EXTRA_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"unparseable timestamp '{text[:40]}' (expected ISO 8601, epoch seconds or milliseconds)")

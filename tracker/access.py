"""Who may write labels: an optional review password, compared in constant time."""

from __future__ import annotations

import hmac
import os

PASSWORD_ENV = "TRACKER_REVIEW_PASSWORD"


def review_password(secrets: dict | None = None) -> str | None:
    """The configured review password: `secrets["review_password"]` (Streamlit secrets), else
    the TRACKER_REVIEW_PASSWORD environment variable; None when reviewing is open to all."""
    configured = (secrets or {}).get("review_password") or os.environ.get(PASSWORD_ENV)
    return str(configured) if configured else None


def password_matches(given: str | None, expected: str) -> bool:
    """True when `given` is the password; the comparison takes the same time wherever they differ."""
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))

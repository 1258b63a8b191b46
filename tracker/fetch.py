"""Download live threads through public JSON endpoints and save them for ingestion.

`fetch_hn` saves a Hacker News item tree from the Algolia API, `fetch_reddit` a Reddit thread
from `/comments/{id}.json`; both return the path of the saved file, which the `hn` and `reddit`
readers ingest like any export. Requests carry a descriptive User-Agent, are spaced by a polite
minimum interval per host, and are retried with exponential back-off on network errors, 429 and
5xx (honouring Retry-After). Base URLs are overridable (argument or environment variable), so
tests and mirrors never touch the real sites. Failures raise FetchError with what to do next.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from tracker import __version__
from tracker.errors import FetchError

HN_API_ENV = "TRACKER_HN_API"
HN_API = "https://hn.algolia.com/api/v1"
REDDIT_ENV = "TRACKER_REDDIT_URL"
REDDIT_URL = "https://www.reddit.com"
USER_AGENT = f"tracker/{__version__} (research on the open-vs-closed AI debate; python-urllib)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0

_HN_ID = re.compile(r"^(?:.*[?&]id=)?(?P<id>\d+)$")
_REDDIT_ID = re.compile(
    r"(?:/comments/|redd\.it/|^t3_|^)(?P<id>[a-z0-9]{4,12})(?:[/?#]|$)", re.IGNORECASE
)


@dataclass
class Fetcher:
    """HTTP GET of JSON with a per-host minimum interval, retries and back-off."""

    min_interval: float = 1.0
    retries: int = 3
    backoff: float = 2.0
    timeout: float = 30.0
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    _last_request: dict[str, float] = field(default_factory=dict, repr=False)

    def get_json(self, url: str, env_hint: str = ""):
        """The decoded JSON at `url`; raises FetchError once retries are spent."""
        host = urlparse(url).netloc
        for attempt in range(self.retries + 1):
            self._wait_turn(host)
            try:
                request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                               "Accept": "application/json"})
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    content_type = response.headers.get("Content-Type", "")
                break
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES or attempt == self.retries:
                    raise FetchError(_http_message(url, error)) from None
                self.sleep(_retry_after(error) or self.backoff * 2**attempt)
            except (urllib.error.URLError, TimeoutError, ConnectionError, socket.timeout) as error:
                if attempt == self.retries:
                    raise FetchError(_offline_message(url, error, env_hint)) from None
                self.sleep(self.backoff * 2**attempt)
        try:
            return json.loads(body)
        except ValueError:
            raise FetchError(
                f"{url} did not return JSON (got {content_type or 'no content type'}, {len(body)} bytes); "
                "check the URL, or the site may be blocking automated requests"
            ) from None

    def _wait_turn(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = self.min_interval - (time.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = time.monotonic()


def hn_item_id(item: str | int) -> str:
    """The numeric id of an HN item given as an id or an item URL."""
    found = _HN_ID.match(str(item).strip())
    if not found:
        raise FetchError(f"'{item}' is not a Hacker News item id or item?id= URL; e.g. 42900001")
    return found.group("id")


def reddit_thread_id(thread: str) -> str:
    """The base-36 id of a Reddit thread given as a URL (/comments/<id>/…, redd.it/<id>) or id."""
    text = str(thread).strip()
    if "/s/" in text:
        raise FetchError(f"'{thread}' is a share link; open it in a browser and pass the /comments/ URL")
    found = _REDDIT_ID.search(text)
    if not found or ("/" in text and "/comments/" not in text and "redd.it/" not in text):
        raise FetchError(f"'{thread}' is not a Reddit thread URL; expected …/r/<sub>/comments/<id>/… or redd.it/<id>")
    return found.group("id").lower()


def fetch_hn(item: str | int, out_dir: str | Path, base_url: str | None = None,
             fetcher: Fetcher | None = None) -> Path:
    """Save the item tree of HN `item` (id or URL) as `out_dir/hn-<id>.json`; return its path."""
    item_id = hn_item_id(item)
    base = (base_url or os.environ.get(HN_API_ENV) or HN_API).rstrip("/")
    data = (fetcher or Fetcher()).get_json(f"{base}/items/{item_id}", env_hint=HN_API_ENV)
    if not isinstance(data, dict) or "children" not in data or "id" not in data:
        raise FetchError(f"{base}/items/{item_id} did not return a Hacker News item (no 'id' and 'children')")
    return _save(data, Path(out_dir) / f"hn-{item_id}.json")


def fetch_reddit(thread: str, out_dir: str | Path, base_url: str | None = None,
                 fetcher: Fetcher | None = None, limit: int = 500) -> Path:
    """Save Reddit `thread` (URL or id) as `out_dir/reddit-<id>.json`; return its path.

    One request returns up to `limit` comments; the rest appear as `more` stubs, which the
    reader counts as "not loaded"."""
    thread_id = reddit_thread_id(thread)
    base = (base_url or os.environ.get(REDDIT_ENV) or REDDIT_URL).rstrip("/")
    url = f"{base}/comments/{thread_id}.json?limit={limit}"
    data = (fetcher or Fetcher()).get_json(url, env_hint=REDDIT_ENV)
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(p, dict) and p.get("kind") == "Listing"
                                                              for p in data)):
        raise FetchError(f"{url} did not return a Reddit thread (an array of two Listings)")
    return _save(data, Path(out_dir) / f"reddit-{thread_id}.json")


def _save(data, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return path


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return min(float(value), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:
        return None


def _http_message(url: str, error: urllib.error.HTTPError) -> str:
    if error.code == 404:
        return f"{url}: not found (HTTP 404); check the id or URL"
    if error.code in (401, 403):
        return f"{url}: access refused (HTTP {error.code}); the thread may be private or the site blocks this client"
    if error.code == 429:
        return f"{url}: rate limited (HTTP 429) after several retries; wait a few minutes and try again"
    return f"{url}: HTTP {error.code} {error.reason}; try again later"


def _offline_message(url: str, error: Exception, env_hint: str) -> str:
    reason = getattr(error, "reason", error)
    host = urlparse(url).netloc
    override = f" (or point {env_hint} at a reachable server)" if env_hint else ""
    return f"cannot reach {host} ({reason}); check your internet connection{override}"

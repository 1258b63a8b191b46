"""tracker fetch against a local HTTP server serving fixtures: nothing here touches the internet."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from tracker.cli.fetch import fetch
from tracker.errors import FetchError
from tracker.fetch import USER_AGENT, Fetcher, fetch_hn, fetch_reddit, hn_item_id, reddit_thread_id
from tracker.store import Store

from tests.ingest.importer_helpers import FIXTURES

HN_ITEM = (FIXTURES / "hn" / "item_deepseek_r1.json").read_bytes()
REDDIT_THREAD = (FIXTURES / "reddit" / "comments_1ibx7k2.json").read_bytes()


class FixtureServer(BaseHTTPRequestHandler):
    """Routes: the two public endpoints, plus failures to exercise retries."""

    requests: list = []
    failures: dict = {}

    def do_GET(self):
        self.requests.append((self.path, self.headers.get("User-Agent")))
        path = self.path.split("?")[0]
        remaining = self.failures.get(path, [])
        if remaining:
            status, headers = remaining.pop(0)
            self._send(status, b"busy", "text/plain", headers)
        elif path == "/api/v1/items/42900001":
            self._send(200, HN_ITEM)
        elif path == "/comments/1ibx7k2.json":
            self._send(200, REDDIT_THREAD)
        elif path == "/comments/blocked.json":
            self._send(200, b"<html>whoa there, pardner!</html>", "text/html")
        else:
            self._send(404, b'{"error": 404}')

    def _send(self, status, body, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """The command writes rejects/ under the working directory."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server():
    FixtureServer.requests = []
    FixtureServer.failures = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FixtureServer)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def quick(sleeps=None, **kwargs):
    """A fetcher that records its waits instead of sleeping."""
    sleeps = [] if sleeps is None else sleeps
    return Fetcher(min_interval=0, backoff=0.5, sleep=sleeps.append, **kwargs)


def test_fetch_hn_saves_the_item_and_sends_a_user_agent(server, tmp_path):
    path = fetch_hn("42900001", tmp_path, base_url=f"{server}/api/v1", fetcher=quick())
    assert path == tmp_path / "hn-42900001.json"
    assert json.loads(path.read_text())["id"] == 42900001
    assert FixtureServer.requests == [("/api/v1/items/42900001", USER_AGENT)]
    assert "tracker/" in USER_AGENT


def test_fetch_reddit_asks_the_comments_endpoint(server, tmp_path):
    url = "https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/deepseekr1_is_open/"
    path = fetch_reddit(url, tmp_path, base_url=server, fetcher=quick())
    assert path.name == "reddit-1ibx7k2.json"
    assert FixtureServer.requests[0][0] == "/comments/1ibx7k2.json?limit=500"


def test_server_errors_are_retried_with_doubling_waits(server, tmp_path):
    FixtureServer.failures["/api/v1/items/42900001"] = [(503, {}), (502, {})]
    sleeps = []
    fetch_hn(42900001, tmp_path, base_url=f"{server}/api/v1", fetcher=quick(sleeps, retries=3))
    assert sleeps == [0.5, 1.0]
    assert len(FixtureServer.requests) == 3


def test_rate_limit_honours_retry_after(server, tmp_path):
    FixtureServer.failures["/comments/1ibx7k2.json"] = [(429, {"Retry-After": "7"})]
    sleeps = []
    fetch_reddit("1ibx7k2", tmp_path, base_url=server, fetcher=quick(sleeps))
    assert sleeps == [7.0]


def test_retries_run_out_with_a_clear_error(server, tmp_path):
    FixtureServer.failures["/api/v1/items/42900001"] = [(503, {})] * 3
    with pytest.raises(FetchError, match=r"HTTP 503 .*try again later"):
        fetch_hn(42900001, tmp_path, base_url=f"{server}/api/v1", fetcher=quick(retries=2))
    assert not (tmp_path / "hn-42900001.json").exists()


def test_missing_item_is_not_retried(server, tmp_path):
    with pytest.raises(FetchError, match=r"not found \(HTTP 404\); check the id"):
        fetch_hn(1, tmp_path, base_url=f"{server}/api/v1", fetcher=quick())
    assert len(FixtureServer.requests) == 1


def test_html_instead_of_json_is_reported(server, tmp_path):
    with pytest.raises(FetchError, match="did not return JSON .*text/html"):
        fetch_reddit("https://redd.it/blocked", tmp_path, base_url=server, fetcher=quick())


def test_offline_says_so_and_names_the_override(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = []
    with pytest.raises(FetchError, match=rf"cannot reach 127.0.0.1:{port} .*check your internet connection .*TRACKER_HN_API"):
        fetch_hn(42900001, tmp_path, base_url=f"http://127.0.0.1:{port}/api/v1", fetcher=quick(sleeps, retries=2))
    assert sleeps == [0.5, 1.0]


def test_polite_interval_between_requests_to_one_host(server, tmp_path):
    sleeps = []
    fetcher = Fetcher(min_interval=30, sleep=sleeps.append)
    fetch_hn(42900001, tmp_path, base_url=f"{server}/api/v1", fetcher=fetcher)
    fetch_reddit("1ibx7k2", tmp_path, base_url=server, fetcher=fetcher)
    assert len(sleeps) == 1 and 29 < sleeps[0] <= 30


@pytest.mark.parametrize(
    ("given", "expected"),
    [("42900001", "42900001"), ("https://news.ycombinator.com/item?id=42900001", "42900001")],
)
def test_hn_item_id(given, expected):
    assert hn_item_id(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/deepseekr1_is_open/", "1ibx7k2"),
        ("https://old.reddit.com/r/france/comments/1icfr55", "1icfr55"),
        ("https://redd.it/1ibx7k2", "1ibx7k2"),
        ("t3_1ibx7k2", "1ibx7k2"),
        ("1ibx7k2", "1ibx7k2"),
    ],
)
def test_reddit_thread_id(given, expected):
    assert reddit_thread_id(given) == expected


@pytest.mark.parametrize("bad", ["https://www.reddit.com/r/LocalLLaMA/", "https://www.reddit.com/r/x/s/AbCdEf",
                                 "not a thread!"])
def test_reddit_thread_id_refuses_other_urls(bad):
    with pytest.raises(FetchError):
        reddit_thread_id(bad)


# --- the command ---------------------------------------------------------------------------------


def invoke(db, *args, env=None):
    return CliRunner().invoke(fetch, list(args), obj={"db": str(db)}, env=env, catch_exceptions=True)


def test_cli_fetch_hn_downloads_then_ingests(server, tmp_path):
    db = tmp_path / "t.db"
    args = ("hn", "42900001", "--out-dir", str(tmp_path / "raw"), "--delay", "0", "--quiet")
    result = invoke(db, *args, env={"TRACKER_HN_API": f"{server}/api/v1"})
    assert result.exit_code == 0, result.output
    assert "hn-42900001.json: read 7, stored 6" in result.output and "deleted 1" in result.output
    with Store(db) as store:
        assert store.get_comment("hn:42900020").quoted == "alice (post 42900010)"
    again = invoke(db, *args, "--base-url", f"{server}/api/v1")
    assert "stored 6 (new 0, updated 0, unchanged 6)" in again.output


def test_cli_fetch_reddit_downloads_then_ingests(server, tmp_path):
    db = tmp_path / "t.db"
    result = invoke(db, "reddit", "https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/x/", "--base-url", server,
                    "--out-dir", str(tmp_path / "raw"), "--delay", "0", "--quiet")
    assert result.exit_code == 0, result.output
    assert "read 11, stored 6" in result.output and "not loaded 3" in result.output
    with Store(db) as store:
        assert store.count_comments() == 6


def test_cli_fetch_error_is_a_fetch_error(server, tmp_path):
    result = invoke(tmp_path / "t.db", "hn", "7", "--base-url", f"{server}/api/v1", "--out-dir", str(tmp_path),
                    "--delay", "0", "--retries", "0", "--quiet")
    assert isinstance(result.exception, FetchError)


def test_fetch_group_help_has_an_example():
    result = CliRunner().invoke(fetch, ["--help"])
    assert result.exit_code == 0
    assert "tracker fetch hn 42900001" in result.output and "tracker fetch reddit" in result.output

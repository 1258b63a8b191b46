"""The dashboard as a person sees it: `streamlit run` on a free local port, driven by headless
Chromium through Playwright. Skipped without /usr/bin/chromium unless TRACKER_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.conftest import IMAGE, SCRIPT

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHARTS = ".vega-embed canvas, .vega-embed svg"


def _require_browser():
    required = os.environ.get("TRACKER_REQUIRE_BROWSER") == "1"
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[test]')"
    if problem:
        if required:
            pytest.fail(f"TRACKER_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(f"real-browser test skipped: {problem}; set TRACKER_REQUIRE_BROWSER=1 to make this a failure")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(forum_db, models_path, tmp_path_factory):
    """Base URL of the app serving the fixture store; the server is stopped afterwards."""
    _require_browser()
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "TRACKER_DB": str(forum_db), "TRACKER_MODELS": str(models_path)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        opened = context.new_page()
        opened.dialogs = []
        opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
        yield opened
        browser.close()


def wait_for_charts(page, count: int = 1):
    page.wait_for_selector(CHARTS, state="visible", timeout=45_000)
    page.wait_for_function(f"document.querySelectorAll('.vega-embed').length >= {count}", timeout=45_000)
    page.wait_for_timeout(500)


def test_charts_render_and_a_filter_change_lands_in_the_url(server, page, tmp_path):
    page.goto(server)
    wait_for_charts(page, 3)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert page.get_by_text("48", exact=True).first.is_visible()

    page.locator('[data-testid="stSidebar"]').get_by_text("month", exact=True).click()
    page.wait_for_url("**grain=month**", timeout=30_000)
    wait_for_charts(page, 3)
    page.screenshot(path=str(tmp_path / "overview-month.png"), full_page=True)
    assert (tmp_path / "overview.png").stat().st_size > 10_000 and (tmp_path / "overview-month.png").exists()

    page.goto(f"{server}/sources?grain=month&lang=fr")  # a shared link opens the same view
    wait_for_charts(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("24 comments selected").is_visible()
    page.screenshot(path=str(tmp_path / "sources-shared-link.png"), full_page=True)


def test_html_in_comments_is_shown_as_literal_text(server, page, tmp_path):
    page.goto(f"{server}/comments")
    search = page.get_by_placeholder("words in the text, or an author")
    search.wait_for(timeout=45_000)
    for needle, literal in (("script", SCRIPT), ("onerror", IMAGE)):
        search.fill(needle)
        search.press("Enter")
        page.get_by_test_id("stText").get_by_text(literal, exact=True).wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "comments.png"), full_page=True)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script:text('alert(1)')").count() == 0
    assert page.dialogs == []

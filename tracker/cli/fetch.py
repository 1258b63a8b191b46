"""tracker fetch hn | reddit"""

from __future__ import annotations

import click

from tracker.cli.common import open_store, quiet_option
from tracker.fetch import HN_API, HN_API_ENV, REDDIT_ENV, REDDIT_URL, Fetcher, fetch_hn, fetch_reddit
from tracker.ingest.pipeline import ingest_file

DEFAULT_OUT_DIR = "data/fetched"


def _download_options(function):
    function = click.option("--out-dir", type=click.Path(file_okay=False), default=DEFAULT_OUT_DIR, show_default=True,
                            help="Folder where the downloaded JSON is saved before ingesting.")(function)
    function = click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
                            help="Minimum seconds between two requests to the same site.")(function)
    function = click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
                            help="Retries on network errors, 429 and 5xx, with doubling waits.")(function)
    return function


@click.group(name="fetch", short_help="Download a live Hacker News or Reddit thread and store it.")
def fetch() -> None:
    """Download a live thread through its public JSON endpoint, save it, and store its comments.

    The saved file is ingested like any export (tracker ingest), so a fetch run twice changes
    nothing. Set the base URL with --base-url or the environment to use a mirror.

    \b
    Example:
      tracker fetch hn 42900001
      tracker fetch reddit https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/
    """


@fetch.command("hn", short_help="Fetch a Hacker News item with all its comments, then store them.")
@click.argument("item")
@click.option("--base-url", envvar=HN_API_ENV, default=HN_API, show_default=True,
              help=f"Algolia HN API root (or set {HN_API_ENV}).")
@_download_options
@quiet_option
@click.pass_context
def hn(ctx, item, base_url, out_dir, delay, retries, quiet):
    """Fetch Hacker News item ITEM (an id or item?id= URL) with all its comments.

    \b
    Example:
      tracker fetch hn 42900001
      tracker fetch hn "https://news.ycombinator.com/item?id=42900001"
    """
    path = fetch_hn(item, out_dir, base_url=base_url, fetcher=Fetcher(min_interval=delay, retries=retries))
    _ingest(ctx, path, "hn", quiet)


@fetch.command("reddit", short_help="Fetch a Reddit thread with its comments, then store them.")
@click.argument("thread_url")
@click.option("--base-url", envvar=REDDIT_ENV, default=REDDIT_URL, show_default=True,
              help=f"Reddit site root (or set {REDDIT_ENV}).")
@_download_options
@quiet_option
@click.pass_context
def reddit(ctx, thread_url, base_url, out_dir, delay, retries, quiet):
    """Fetch the Reddit thread at THREAD_URL (a /comments/ URL, redd.it link or id).

    Comments Reddit does not load in one page ("more" links) are counted as rejected with
    reason "not loaded".

    \b
    Example:
      tracker fetch reddit https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/
    """
    path = fetch_reddit(thread_url, out_dir, base_url=base_url, fetcher=Fetcher(min_interval=delay, retries=retries))
    _ingest(ctx, path, "reddit", quiet)


def _ingest(ctx: click.Context, path, fmt: str, quiet: bool) -> None:
    store = open_store(ctx)
    try:
        summary = ingest_file(store, path, fmt=fmt, progress=not quiet)
    finally:
        store.close()
    click.echo(summary.line())

"""Between the pages and the library: the sidebar filters (kept in the URL), and the cached
store connection, model card and query results.

The filter widgets are bound to query parameters (`bind="query-params"`), so the URL of any
view can be shared: ?dates=2025-01-13&dates=2025-02-09&source=hn&lang=en&grain=day&tz=Europe/Paris
&minconf=0.6. The widget key is the parameter name; a value equal to the default is left
out of the URL.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from tracker import authors, browse, shifts, trends, views
from tracker.errors import TrackerError
from tracker.models import models_dir, read_card, resolve
from tracker.store import Store, default_db_path
from tracker.trends import Filters

ROOT = Path(__file__).resolve().parent.parent
EVENTS_PATH = ROOT / "data" / "events.csv"
GRAINS = ("day", "week", "month")
TIME_ZONES = ("UTC", "Europe/Paris", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
              "Asia/Shanghai", "Asia/Tokyo")
MAX_THREAD_OPTIONS = 5000
VIEW_KEY = "_tracker_view"

# Sidebar widget keys; the bound ones double as URL query parameter names.
K_DATES, K_SOURCES, K_THREADS, K_LANGS = "dates", "source", "thread", "lang"
K_GRAIN, K_TZ, K_MIN_CONFIDENCE, K_REAL_NAMES = "grain", "tz", "minconf", "names"

# Every library function a page may call through `query`, by name (the name keys the cache).
QUERIES: dict[str, Callable] = {
    "overview": browse.overview,
    "hourly_counts": trends.hourly_counts,
    "comments_view": views.comments_view,
    "stance_over_time": trends.stance_over_time,
    "volume_over_time": trends.volume_over_time,
    "argument_counts": trends.argument_counts,
    "argument_stance_matrix": trends.argument_stance_matrix,
    "author_stances": authors.author_stances,
    "composition": views.composition,
    "thread_summary": views.thread_summary,
    "event_splits": views.event_splits,
    "share_change": views.share_change,
    "argument_change": views.argument_change,
    "shift_exemplars": views.shift_exemplars,
}

# Library functions of DataFrames already fetched (cheap to call, but worth not repeating).
DERIVED: dict[str, Callable] = {
    "detect_shifts": shifts.detect_shifts,
    "net_stance_index": trends.net_stance_index,
    "side_changers": authors.side_changers,
    "stance_counts": views.stance_counts,
    "shift_segments": views.shift_segments,
    "rising_stances": views.rising_stances,
    "authors_to_plot": views.authors_to_plot,
    "display_authors": views.display_authors,
}


@dataclasses.dataclass(frozen=True)
class View:
    """What every page works with: the viewer's filters and choices, and the model's card."""

    filters: Filters
    grain: str
    real_names: bool
    card: dict | None
    confusion: dict | None
    model_version: str
    events: pd.DataFrame
    comments: int


# --- resources --------------------------------------------------------------------------


def db_path() -> str:
    """The database the app reads: TRACKER_DB, else tracker.db in the working directory."""
    return str(default_db_path().resolve())


def db_stamp(path: str) -> tuple:
    """Changes whenever the database (or its write-ahead log) is written, to key cached results."""
    stamp = []
    for suffix in ("", "-wal"):
        try:
            stamp.append(os.stat(path + suffix).st_mtime_ns)
        except OSError:
            stamp.append(None)
    return tuple(stamp)


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    return Store(path, readonly=True)


@st.cache_resource(show_spinner=False, ttl=60)
def model_card(version: str | None, models: str) -> dict | None:
    """The card of the bundle that wrote `version`'s predictions, or None (shared: do not modify)."""
    return views.card_for_version(version, models)


@st.cache_resource(show_spinner=False, ttl=60)
def current_card(models: str) -> dict | None:
    """The current bundle's card (models/CURRENT), or None when there is none (shared: do not modify)."""
    try:
        return read_card(resolve())
    except TrackerError:
        return None


@st.cache_data(show_spinner=False)
def read_events(path: str) -> pd.DataFrame:
    return shifts.read_events(path)


@st.cache_data(show_spinner=False)
def _data_state(path: str, stamp: tuple) -> dict:
    return views.data_state(open_store(path))


@st.cache_data(show_spinner=False)
def _filter_options(path: str, stamp: tuple) -> dict:
    return views.filter_options(open_store(path))


@st.cache_data(show_spinner="Counting in the store…", max_entries=512)
def _run_query(name: str, path: str, stamp: tuple, fields: tuple, args: tuple, kwargs: tuple):
    return QUERIES[name](open_store(path), Filters(*fields), *args, **dict(kwargs))


def query(name: str, filters: Filters, *args, **kwargs):
    """`QUERIES[name](store, filters, *args, **kwargs)`, cached by the filters' fields and the
    arguments, and recomputed when the database changes."""
    path = db_path()
    return _run_query(name, path, db_stamp(path), dataclasses.astuple(filters), args, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _derive(name: str, args: tuple, kwargs: tuple):
    return DERIVED[name](*args, **dict(kwargs))


def derive(name: str, *args, **kwargs):
    """`DERIVED[name](*args, **kwargs)`, cached by its arguments (DataFrames included)."""
    return _derive(name, args, tuple(sorted(kwargs.items())))


def comment_detail(comment_id: str, real_names: bool, tz: str) -> dict | None:
    """`views.comment_detail` of one comment, cached."""
    path = db_path()
    return _comment_detail(path, db_stamp(path), comment_id, real_names, tz)


@st.cache_data(show_spinner=False, max_entries=256)
def _comment_detail(path: str, stamp: tuple, comment_id: str, real_names: bool, tz: str) -> dict | None:
    return views.comment_detail(open_store(path), comment_id, real_names, tz)


# --- reviewing ----------------------------------------------------------------------------


def secrets() -> dict:
    """Streamlit secrets as a dict ({} when the app has no secrets file)."""
    try:
        return dict(st.secrets)
    except Exception:  # without a secrets.toml, Streamlit raises its own (version-dependent) error
        return {}


@st.cache_data(show_spinner="Ranking the comments the model is least sure of…", max_entries=32)
def _review_queue(path: str, stamp: tuple, fields: tuple, n: int) -> pd.DataFrame:
    from tracker.review import review_queue

    return review_queue(open_store(path), n, Filters(*fields))


def review_queue(filters: Filters, n: int) -> pd.DataFrame:
    path = db_path()
    return _review_queue(path, db_stamp(path), dataclasses.astuple(filters), n)


def model_prediction(comment_id: str, model_version: str) -> dict | None:
    from tracker.review import model_prediction as prediction

    return prediction(open_store(db_path()), comment_id, model_version)


def save_label(comment_id: str, reviewer: str, stance: str, arguments, sentiment: str, note: str, card) -> int:
    """Store a human label through a writing connection (the app's shared one only reads)."""
    from tracker.review import add_label

    with Store(db_path()) as store:
        return add_label(store, comment_id, reviewer, stance, arguments, sentiment, note, card=card)


def drift_history() -> pd.DataFrame:
    from tracker.drift import drift_over_time

    return drift_over_time(open_store(db_path()))


def drift_warning() -> str | None:
    from tracker.drift import drift_warning as warning

    return warning(drift_history())


MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"


def plain(text) -> str:
    """`text` with every Markdown special character escaped, to show user content in a label."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text)).replace("\n", " ")


# --- the sidebar --------------------------------------------------------------------------


def data_state() -> dict | None:
    """`views.data_state` of the database, or None when there is no readable database."""
    path = db_path()
    try:
        return _data_state(path, db_stamp(path))
    except TrackerError:
        return None


def sidebar() -> View | None:
    """Draw the global filters in the sidebar; remember and return the view (None without data)."""
    st.session_state[VIEW_KEY] = None
    status = data_state()
    if not status or not status["ready"]:
        st.sidebar.caption("Filters appear once comments are ingested and classified.")
        return None
    path = db_path()
    options = _filter_options(path, db_stamp(path))
    bar = st.sidebar
    bar.header("Filters")
    first, last = options["first"], options["last"]
    dates = bar.date_input("Dates", value=(first, last), min_value=first - timedelta(days=1),
                           max_value=last + timedelta(days=1), key=K_DATES, bind="query-params",
                           help="Inclusive, in the display time zone. The full range means no limit.")
    sources = bar.multiselect("Sources", options["sources"], key=K_SOURCES, bind="query-params",
                              placeholder="All sources")
    threads_frame = options["threads"].head(MAX_THREAD_OPTIONS)
    thread_labels = {row.thread_id: f"{row.thread_id} ({row.comments})" for row in threads_frame.itertuples()}
    threads = bar.multiselect("Threads", list(thread_labels), format_func=thread_labels.get, key=K_THREADS,
                              bind="query-params", placeholder="All threads")
    langs = bar.multiselect("Languages", options["langs"], key=K_LANGS, bind="query-params",
                            placeholder="All languages")
    grain = bar.segmented_control("Time grain", GRAINS, default="week", required=True, key=K_GRAIN,
                                  bind="query-params")
    zones = list(TIME_ZONES)
    browser_zone = st.context.timezone
    if browser_zone and browser_zone not in zones:
        zones.append(browser_zone)
    tz = bar.selectbox("Display time zone", zones, key=K_TZ, bind="query-params",
                       help="Periods and dates are counted in this time zone.")
    min_confidence = bar.slider("Minimum confidence", 0.0, 0.95, 0.0, 0.05, key=K_MIN_CONFIDENCE,
                                bind="query-params",
                                help="Leave out model predictions less confident than this; human labels always count.")
    real_names = bar.toggle("Show real author names", key=K_REAL_NAMES,
                            help="Authors appear as stable pseudonyms (calm-heron-42) unless this is on.")
    start, end = _date_range(dates, first, last)
    filters = Filters(start=start, end=end, sources=tuple(sources), threads=tuple(threads), langs=tuple(langs),
                      min_confidence=float(min_confidence), tz=tz or "UTC", model_version=status["model_version"])
    card = model_card(status["model_version"], str(models_dir().resolve()))
    events = views.events_in_range(read_events(str(EVENTS_PATH)), start or first, end or last)
    comments = int(query("overview", filters)["comments"])
    view = View(filters=filters, grain=grain or "week", real_names=bool(real_names), card=card,
                confusion=views.stance_confusion(card), model_version=status["model_version"], events=events,
                comments=comments)
    bar.caption(f"{comments:,} comments selected · model `{status['model_version']}`")
    st.session_state[VIEW_KEY] = view
    return view


def _date_range(dates, first: date, last: date) -> tuple[date | None, date | None]:
    """The (start, end) to filter on: None on a side the viewer left at the data's edge."""
    picked = tuple(dates) if isinstance(dates, (tuple, list)) else (dates,)
    start = picked[0] if picked and picked[0] and picked[0] > first else None
    end = picked[1] if len(picked) > 1 and picked[1] and picked[1] < last else None
    return start, end


def view(require_comments: bool = True) -> View:
    """The current view for a page. Without data, show how to get some and stop the page; with
    filters that match nothing (and `require_comments`), say so and stop."""
    current = st.session_state.get(VIEW_KEY)
    if current is None:
        st.info(views.NO_DATA, icon=":material/info:")
        st.stop()
    if require_comments and current.comments == 0:
        st.warning("No comments match these filters; widen them in the sidebar.", icon=":material/filter_alt_off:")
        st.stop()
    return current


def corrected_caption(current: View) -> str:
    """How the shares on screen are estimated, for a caption."""
    if current.confusion:
        return ("Shares are corrected for the classifier's known errors (adjusted classify-and-count with the "
                f"cross-validated confusion matrix of model `{current.model_version}`); bands are 95% intervals.")
    return (f"No model card found for `{current.model_version}`, so shares are the classifier's raw labels "
            "(not corrected) with multinomial 95% intervals.")

"""Every page of the real app through Streamlit's AppTest, on the fixture store and on an empty one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import IMAGE, SCRIPT, VERSION, fixture_card
from tracker import views
from tracker.browse import overview
from tracker.store import Store
from tracker.trends import Filters

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGES = ["overview", "shifts", "arguments", "sources", "authors", "comments", "model", "review"]


def open_app(monkeypatch, db, models, page: str = "overview", query: dict | None = None) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.setenv("TRACKER_MODELS", str(models))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params = dict(query or {})
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, Markdown, captions and alerts, joined."""
    parts = [e.value for kind in ("markdown", "caption", "text", "info", "warning", "subheader", "title")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def table(at: AppTest, *columns: str):
    """The first table on the page holding all `columns` (read-only tables carry no key in AppTest)."""
    for frame in at.dataframe:
        value = frame.value
        if set(columns) <= set(value.columns):
            return value
    raise AssertionError(f"no table with columns {columns}")


def view_filters(at: AppTest) -> Filters:
    from dashboard.state import VIEW_KEY

    return at.session_state[VIEW_KEY].filters


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_store_with_predictions(monkeypatch, forum_db, models_path, page):
    at = open_app(monkeypatch, forum_db, models_path, page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and not at.error
    assert views.NO_DATA not in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_how_to_get_data_on_an_empty_store(monkeypatch, empty_db, models_path, page):
    at = open_app(monkeypatch, empty_db, models_path, page)
    assert not at.exception, [e.value for e in at.exception]
    assert views.NO_DATA in [i.value for i in at.info]


def test_a_missing_database_file_is_no_data_yet_not_a_crash(monkeypatch, tmp_path, models_path):
    at = open_app(monkeypatch, tmp_path / "nothing-here.db", models_path)
    assert not at.exception and views.NO_DATA in [i.value for i in at.info]


def test_model_page_without_data_still_shows_the_current_card(monkeypatch, empty_db, models_path):
    at = open_app(monkeypatch, empty_db, models_path, "model")
    assert VERSION in texts(at)
    assert any(m.label == "Stance macro-F1" for m in at.metric)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_numbers_match_the_library(monkeypatch, forum_db, models_path, forum_store):
    at = open_app(monkeypatch, forum_db, models_path)
    figures = overview(forum_store, Filters())
    assert metric(at, "Comments") == f"{figures['comments']:,}" == "48"
    assert metric(at, "Sources") == str(figures["sources"]) and metric(at, "Authors") == str(figures["authors"])
    assert at.selectbox(key="overview_event").value == "DeepSeek-R1"
    change = views.share_change(forum_store, Filters(), date(2025, 1, 20),
                                views.stance_confusion(fixture_card())).set_index("stance")
    assert metric(at, "pro_open share since DeepSeek-R1") == f"{change.loc['pro_open', 'after']:.0%}"


def test_sidebar_filters_reach_every_number(monkeypatch, forum_db, models_path, forum_store):
    at = open_app(monkeypatch, forum_db, models_path)
    at.multiselect(key="lang").set_value(["fr"]).run()
    assert view_filters(at).langs == ("fr",)
    assert metric(at, "Comments") == str(overview(forum_store, Filters(langs=("fr",)))["comments"]) == "24"
    at.slider(key="minconf").set_value(0.8).run()
    expected = overview(forum_store, Filters(langs=("fr",), min_confidence=0.8))["comments"]
    assert metric(at, "Comments") == str(expected) and 0 < expected < 24


def test_filters_are_read_from_the_url(monkeypatch, forum_db, models_path, forum_store):
    query = {"dates": ["2025-01-20", "2025-02-09"], "source": ["hn"], "lang": "en", "grain": "day",
             "tz": "Europe/Paris", "minconf": "0.6"}
    at = open_app(monkeypatch, forum_db, models_path, query=query)
    filters = view_filters(at)
    assert filters == Filters(start=date(2025, 1, 20), end=date(2025, 2, 9), sources=("hn",), langs=("en",),
                              min_confidence=0.6, tz="Europe/Paris", model_version=VERSION)
    assert at.segmented_control(key="grain").value == "day"
    assert metric(at, "Comments") == str(overview(forum_store, filters)["comments"])


def test_the_full_date_range_means_no_date_filter(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path)
    assert at.date_input(key="dates").value == (date(2024, 12, 30), date(2025, 2, 22))
    assert (view_filters(at).start, view_filters(at).end) == (None, None)


def test_filters_that_match_nothing_say_so(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "shifts", query={"minconf": "0.95"})
    assert not at.exception and any("No comments match" in w.value for w in at.warning)


def test_raw_counts_toggle_shows_the_classifier_counts(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path)
    with pytest.raises(AssertionError):
        table(at, "pro_open", "total")
    at.toggle(key="overview_raw").set_value(True).run()
    counts = table(at, "pro_open", "total")
    assert counts["total"].sum() == 48 and len(counts) == 8


def test_shifts_page_reports_the_shift_at_deepseek_r1(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "shifts")
    assert [s.value for s in at.subheader if s.value.startswith("20 Jan 2025")]
    assert any(m.label == "Nearest event" and m.value == "DeepSeek-R1" for m in at.metric)
    examples = table(at, "stance_confidence", "text")
    assert len(examples) == 3 and examples["stance_confidence"].is_monotonic_decreasing  # pro_open that week
    at.segmented_control(key="shifts_label").set_value("pro_closed").run()
    assert not at.exception and any(s.value.startswith("20 Jan 2025: pro_closed") for s in at.subheader)


def test_comments_page_shows_html_as_text_and_downloads_what_is_shown(monkeypatch, forum_db, models_path, forum_store):
    at = open_app(monkeypatch, forum_db, models_path, "comments")
    table = at.dataframe(key="comments_table").value
    assert table["id"].tolist() == views.comments_view(forum_store, Filters(model_version=VERSION), limit=500)["id"].tolist()
    assert at.get("download_button") and len(at.get("download_button")) == 2
    for needle, literal in (("script", SCRIPT), ("onerror", IMAGE)):
        at.text_input(key="comments_search").set_value(needle).run()
        assert at.dataframe(key="comments_table").value["text"].tolist() == [literal]
        assert literal in [t.value for t in at.text]
    assert not any(literal in m.value for m in at.markdown for literal in (SCRIPT, IMAGE))


def test_comments_page_collapses_quotes_and_shows_the_parent(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "comments")
    at.text_input(key="comments_search").set_value("Comment 10 by").run()
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Quoted text (1)") for label in labels)
    assert any(label.startswith("In reply to") for label in labels)
    shown = [t.value for t in at.text]
    assert "Comment 10 by emma about open weights in week 1." in shown
    assert "quoted words of comment 8" in shown and "Comment 8 by chloe about open weights in week 1." in shown


def test_authors_are_pseudonyms_until_real_names_are_turned_on(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "authors")
    changers = table(at, "from_side", "to_side")
    assert len(changers) and not set(changers["author"]) & {"alice", "bruno", "chloe", "dmitri"}
    at.toggle(key="names").set_value(True).run()
    assert "alice" in set(table(at, "from_side", "to_side")["author"])


def test_model_page_shows_the_card_of_the_predictions(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "model")
    card = fixture_card()
    assert metric(at, "Stance macro-F1") == f"{card['metrics']['stance']['all']['macro_f1']:.2f}"
    scores = table(at, "macro_f1", "side_f1")
    assert scores["n"].tolist() == [400, 200, 200]
    assert table(at, "bin_low", "accuracy")["count"].sum() == 400
    at.segmented_control(key="model_scope").set_value("fr").run()
    assert not at.exception


def test_predictions_from_an_unknown_model_are_shown_uncorrected_with_a_warning(monkeypatch, tmp_path, forum_db):
    at = open_app(monkeypatch, forum_db, tmp_path / "no-models")
    assert "shares are the classifier's raw labels" in texts(at)
    at.switch_page("app_pages/model.py").run()
    assert any("no bundle with that version" in w.value for w in at.warning)


def test_sources_and_arguments_pages_respond_to_their_controls(monkeypatch, forum_db, models_path):
    at = open_app(monkeypatch, forum_db, models_path, "sources")
    threads = table(at, "thread_id", "net")
    assert threads["comments"].sum() == 48
    at.segmented_control(key="sources_by").set_value("lang").run()
    at.segmented_control(key="sources_stance").set_value("neutral").run()
    assert not at.exception and any("neutral by language" in s.value for s in at.subheader)
    at.switch_page("app_pages/arguments.py").run()
    at.multiselect(key="arguments_stances").set_value(["neutral"]).run()
    assert not at.exception and at.selectbox(key="arguments_event").value == "DeepSeek-R1"


def test_no_page_renders_user_content_as_html():
    for path in (APP.parent).rglob("*.py"):
        assert "unsafe_allow_html" not in path.read_text(), path
        assert "st.html(" not in path.read_text(), path


def test_comments_without_predictions_are_no_data_yet(monkeypatch, tmp_path, models_path):
    from tests.dashboard.conftest import forum

    with Store(tmp_path / "unclassified.db") as store:
        store.upsert_comments(forum()[0])
    for page in ("overview", "comments"):
        at = open_app(monkeypatch, tmp_path / "unclassified.db", models_path, page)
        assert not at.exception and views.NO_DATA in [i.value for i in at.info]


def test_user_content_in_labels_is_escaped():
    from dashboard.state import plain

    assert plain("**bold** [x](javascript:alert(1)) :red[hi]") == (
        "\\*\\*bold\\*\\* \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\:red\\[hi\\]")

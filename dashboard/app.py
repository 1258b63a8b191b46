"""The tracker dashboard: the router. Run with `make dashboard`, or
`TRACKER_DB=tracker.db streamlit run dashboard/app.py`.

The sidebar filters apply to every page and live in the URL; each page is a thin file in
app_pages/ that asks the library for DataFrames (through dashboard.state's cache) and draws
them with dashboard.charts. (Not pages/: Streamlit treats a pages/ folder beside the entry
script as a legacy multipage app, and then the first request of a fresh server for a deep
link such as /shifts runs that page without this router.)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import state  # noqa: E402

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("app_pages/shifts.py", title="Shifts", icon=":material/swap_vert:"),
    st.Page("app_pages/arguments.py", title="Arguments", icon=":material/forum:"),
    st.Page("app_pages/sources.py", title="Sources and threads", icon=":material/hub:"),
    st.Page("app_pages/authors.py", title="Authors", icon=":material/group:"),
    st.Page("app_pages/comments.py", title="Comments", icon=":material/chat:"),
    st.Page("app_pages/model.py", title="Model", icon=":material/model_training:"),
    st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:"),
]

st.set_page_config(page_title="tracker", page_icon=":material/insights:", layout="wide")
page = st.navigation(PAGES)
state.sidebar()
page.run()

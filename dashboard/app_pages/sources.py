"""Sources and threads: the stance shares and volumes compared across sources and languages,
and a summary of every thread."""

import streamlit as st

from dashboard import charts, state
from tracker.schema import STANCES

view = state.view()
filters, grain = view.filters, view.grain

st.title("Sources and threads")
left, right = st.columns(2)
by = left.segmented_control("Compare by", ["source", "lang"], default="source", required=True, key="sources_by",
                            format_func={"source": "Source", "lang": "Language"}.get)
stance = right.segmented_control("Stance", STANCES, default="pro_open", required=True, key="sources_stance")
shares = state.query("stance_over_time", filters, grain, confusion=view.confusion, by=by)
st.subheader(f"Share of {stance} by {'source' if by == 'source' else 'language'}")
st.altair_chart(charts.group_shares(shares, by, stance, view.events, grain), width="stretch")
st.caption(state.corrected_caption(view) + " Click a legend entry to single it out and see its band.")

st.subheader("Comments per period")
st.altair_chart(charts.volume(state.query("volume_over_time", filters, grain, by=by), by, view.events, grain),
                width="stretch")

st.subheader("Threads")
threads = state.query("thread_summary", filters)
st.dataframe(threads, hide_index=True, key="sources_threads", column_config={
    "thread_id": st.column_config.TextColumn("thread"),
    "first": st.column_config.DatetimeColumn("first comment", format="D MMM YYYY"),
    "last": st.column_config.DatetimeColumn("last comment", format="D MMM YYYY"),
    **{label: st.column_config.NumberColumn(label, format="percent") for label in STANCES},
    "net": st.column_config.NumberColumn("net index", format="%+.2f",
                                         help="pro_open minus pro_closed among comments taking a side"),
})
st.caption("Raw shares of the classifier's labels per thread (a thread is too small to correct reliably).")

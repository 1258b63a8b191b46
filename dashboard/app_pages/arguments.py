"""Arguments: how often each side uses each argument over time, which arguments rose when
the mood moved, and the argument x stance matrix for the selected period."""

import streamlit as st

from dashboard import charts, state
from tracker.schema import STANCES

view = state.view()
filters, grain = view.filters, view.grain

st.title("Arguments")
stances = st.multiselect("Stances to compare", STANCES, default=["pro_open", "pro_closed"], key="arguments_stances")
counts = state.query("argument_counts", filters, grain)
if stances:
    st.subheader("Arguments used by each stance over time")
    for stance in stances:
        st.altair_chart(charts.argument_heatmap(counts, stance, grain), width="stretch")
    st.caption("Each cell: the share of the stance's comments in that period using the argument (a comment can use "
               "several). Hover a cell for the counts.")

st.subheader("Which arguments rose when the mood moved")
hourly = state.query("hourly_counts", filters)
splits = state.query("event_splits", filters, view.events, hourly=hourly)
if splits.empty:
    st.caption("No dated event falls inside the selection with comments on both sides of it.")
else:
    shares = state.query("stance_over_time", filters, grain, confusion=view.confusion)
    default = state.views.reference_event(splits, state.derive("detect_shifts", shares, "pro_open", view.confusion,
                                                                view.events))
    names = splits["event"].tolist()
    dates = dict(zip(splits["event"], splits["date"]))
    event = st.selectbox("Before and after", names, index=names.index(default), key="arguments_event",
                         format_func=lambda name: f"{name} ({dates[name]:%d %b %Y})")
    change = state.query("argument_change", filters, dates[event], stances=tuple(stances) or ("pro_open", "pro_closed"),
                         hourly=hourly)
    st.altair_chart(charts.argument_change(change), width="stretch")
    st.caption(f"Change in the share of each stance's comments using the argument, from before {dates[event]:%d %b %Y} "
               "to that day and after. Hover a bar for the shares and counts.")

st.subheader("Arguments by stance, selected period")
matrix = state.query("argument_stance_matrix", filters)
st.altair_chart(charts.argument_matrix(matrix), width="stretch")
st.caption("Each cell: the share of that stance's comments using the argument.")

"""Overview: how many comments, from where, the share of each stance over time, the net
stance index, volume, dated events, and headline deltas since a reference event."""

import streamlit as st

from dashboard import charts, state
from tracker.schema import SIDE_STANCES
from tracker.views import reference_event

view = state.view()
filters, grain = view.filters, view.grain

st.title("Overview")
figures = state.query("overview", filters)
cells = st.columns(5)
cells[0].metric("Comments", f"{figures['comments']:,}")
cells[1].metric("Sources", figures["sources"])
cells[2].metric("Languages", figures["langs"])
cells[3].metric("Threads", figures["threads"])
cells[4].metric("Authors", figures["authors"])

shares = state.query("stance_over_time", filters, grain, confusion=view.confusion)
hourly = state.query("hourly_counts", filters)  # shared by the views below, so the store is read once for them
splits = state.query("event_splits", filters, view.events, hourly=hourly)

st.subheader("Since an event")
if splits.empty:
    st.caption("No dated event falls inside the selection with comments on both sides of it.")
else:
    found = state.derive("detect_shifts", shares, "pro_open", view.confusion, view.events)
    default = reference_event(splits, found)
    names = splits["event"].tolist()
    event = st.selectbox("Reference event", names, index=names.index(default), key="overview_event",
                         format_func=lambda name: f"{name} ({splits.set_index('event').loc[name, 'date']:%d %b %Y})",
                         help="Shares among comments from this event's day on, against those before it. "
                              "Picked by default: the event nearest the largest detected shift, or else the "
                              "one followed by the sharpest rise in comments.")
    moment = splits.set_index("event").loc[event, "date"]
    change = state.query("share_change", filters, moment, confusion=view.confusion, hourly=hourly).set_index("stance")
    cells = st.columns(len(SIDE_STANCES) + 1)
    for cell, label in zip(cells, SIDE_STANCES):
        row = change.loc[label]
        cell.metric(f"{label} share since {event}", f"{row['after']:.0%}",
                    f"{row['delta'] * 100:+.0f} points (from {row['before']:.0%})",
                    delta_color="off",
                    help=f"{row['after']:.0%} (95% interval {row['after_low']:.0%}–{row['after_high']:.0%}) of "
                         f"{int(row['n_after']):,} comments from {moment:%d %b %Y} on, against {row['before']:.0%} "
                         f"({row['before_low']:.0%}–{row['before_high']:.0%}) of {int(row['n_before']):,} before.")
    cells[-1].caption(state.corrected_caption(view))

st.subheader("Share of each stance")
raw = st.toggle("Show raw counts (the classifier's labels, uncorrected)", key="overview_raw")
st.altair_chart(charts.stance_shares(shares, view.events, raw, grain), width="stretch")
st.caption(("Raw shares: the classifier's labels counted as they are. " if raw else state.corrected_caption(view)
            + " Click a stance in the legend to see its band. ")
           + "Larger points: periods with more comments. Purple dashed lines mark dated events; hover the triangles.")
if raw:
    st.dataframe(state.derive("stance_counts", shares), hide_index=True, key="overview_raw_counts",
                 column_config={"period": st.column_config.DateColumn("period from", format="D MMM YYYY")})

left, right = st.columns(2)
with left:
    st.subheader("Net stance index")
    st.altair_chart(charts.net_index(state.derive("net_stance_index", shares), view.events, grain), width="stretch")
    st.caption("pro_open minus pro_closed among comments that take a side: +1 all pro_open, −1 all pro_closed.")
with right:
    st.subheader("Comments per period")
    volumes = state.query("volume_over_time", filters, grain, by="source")
    st.altair_chart(charts.volume(volumes, "source", view.events, grain), width="stretch")

st.subheader("Where the comments come from")
where = state.query("composition", filters, hourly=hourly)
left, right = st.columns([2, 1])
left.altair_chart(charts.composition(where), width="stretch")
right.dataframe(where, hide_index=True, key="overview_composition",
                column_config={"lang": "language", "n": st.column_config.NumberColumn("comments")})

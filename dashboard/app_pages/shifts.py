"""Shifts: change points in a stance's share, with the shares before and after, the nearest
dated event, and the comments that best exemplify each change."""

import streamlit as st

from dashboard import charts, state
from tracker.schema import STANCES

view = state.view()
filters, grain = view.filters, view.grain

st.title("Shifts")
label = st.segmented_control("Stance", STANCES, default="pro_open", required=True, key="shifts_label")
shares = state.query("stance_over_time", filters, grain, confusion=view.confusion)
found = state.derive("detect_shifts", shares, label, view.confusion, view.events)
segments = state.derive("shift_segments", found, shares, grain)
st.altair_chart(charts.shift_series(shares, label, segments, found, view.events, grain), width="stretch")
if found.empty:
    st.caption(state.corrected_caption(view) + " Purple dashed lines: dated events.")
    finer = "a wider date range" if grain == "day" else f"a finer grain than {grain} or a wider date range"
    st.info(f"No shift detected in the {label} share: its changes from {grain} to {grain} are within what noise "
            f"explains. Try {finer}, which gives the detector more periods to work with.",
            icon=":material/trending_flat:")
    st.stop()
st.caption(state.corrected_caption(view) + " Thick lines: the level between detected shifts; red lines: the shifts "
           "(change points in the mean, PELT). Purple dashed lines: dated events.")

rising = state.derive("rising_stances", found, shares)
for number, (row, riser) in enumerate(zip(found.itertuples(), rising), start=1):
    with st.container(border=True):
        st.subheader(f"{row.period:%d %b %Y}: {label} {row.delta * 100:+.0f} points")
        cells = st.columns(3)
        cells[0].metric("Before", f"{row.before:.0%}", help="Corrected share over the stretch before the shift.")
        cells[0].caption(f"95% interval {row.before_low:.0%}–{row.before_high:.0%}")
        cells[1].metric("After", f"{row.after:.0%}", f"{row.delta * 100:+.0f} points", delta_color="off")
        cells[1].caption(f"95% interval {row.after_low:.0%}–{row.after_high:.0%}")
        if row.nearest_event:
            days = int(row.days_from_event)
            when = "the same day" if days == 0 else f"{abs(days)} days {'after' if days > 0 else 'before'} the shift"
            cells[2].metric("Nearest event", row.nearest_event)
            cells[2].caption(f"{row.event_date:%d %b %Y}, {when}")
        st.markdown(f"**Comments that exemplify it**: the most confident *{riser}* comments (the stance that "
                    f"rose most) in the {grain} from {row.period:%d %b %Y}.")
        examples = state.query("shift_exemplars", filters, row.period, grain, riser)
        shown = state.derive("display_authors", examples, view.real_names)
        st.dataframe(shown[["created_at", "author", "stance_confidence", "arguments", "text"]], hide_index=True,
                     key=f"shifts_examples_{number}",
                     column_config={"created_at": st.column_config.DatetimeColumn("time", format="D MMM YYYY, HH:mm"),
                                    "stance_confidence": st.column_config.ProgressColumn("confidence", min_value=0,
                                                                                         max_value=1, format="%.2f"),
                                    "text": st.column_config.TextColumn("own words", width="large")})

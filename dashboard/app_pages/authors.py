"""Authors: stance trajectories across the period, and who changed sides and when."""

import streamlit as st

from dashboard import charts, state

view = state.view()
filters, grain = view.filters, view.grain

st.title("Authors")
left, right = st.columns(2)
minimum = left.number_input("Authors with at least this many comments", min_value=1, max_value=1000, value=3,
                            key="authors_min_comments")
limit = right.number_input("Authors to draw", min_value=1, max_value=40, value=8, key="authors_limit")
trajectories = state.query("author_stances", filters, grain, min_comments=int(minimum))
if trajectories.empty:
    st.info("No author has that many comments in the selection; lower the minimum or widen the filters.")
    st.stop()
changers = state.derive("side_changers", trajectories)
drawn = state.derive("authors_to_plot", trajectories, changers, int(limit))
st.subheader("Stance trajectories")
st.altair_chart(charts.trajectories(state.derive("display_authors", drawn, view.real_names), grain), width="stretch")
st.caption(f"Leaning per {grain}: +1 when all of the author's comments that take a side are pro_open, −1 when all "
           "are pro_closed. Side changers first, then the most active authors. Hover a line to single it out. "
           + ("" if view.real_names else "Authors appear as pseudonyms; turn on real names in the sidebar."))

st.subheader("Who changed sides")
if changers.empty:
    st.caption("Nobody's leaning crossed from one side to the other in the selection.")
else:
    st.caption(f"{len(changers)} changes of side by {changers['author'].nunique()} authors, one row per change.")
    st.dataframe(state.derive("display_authors", changers, view.real_names), hide_index=True, key="authors_changers",
                 column_config={"from_side": "from", "to_side": "to",
                                "changed_in": st.column_config.DatetimeColumn(f"changed in ({grain} from)",
                                                                              format="D MMM YYYY"),
                                "comments": st.column_config.NumberColumn("comments in the selection")})

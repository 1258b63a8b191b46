"""Comments: a searchable, filterable table of comments with their labels, one comment to read
(the author's own words, quoted text collapsed, the parent), and downloads of what is shown.

Comment text, author names and quotes are user content: they are shown with st.text or
st.dataframe, or as escaped Markdown, never as HTML.
"""

import streamlit as st

from dashboard import state
from tracker.schema import ARGUMENTS, STANCES

ORDERS = {"newest": "Newest first", "oldest": "Oldest first", "confidence": "Most confident first",
          "uncertain": "Least confident first"}

view = state.view()
filters = view.filters

st.title("Comments")
top = st.columns([3, 2, 2])
search = top[0].text_input("Search", key="comments_search", placeholder="words in the text, or an author",
                           help="Case-insensitive; matches the author's own words and real author names.")
stances = top[1].multiselect("Stances", STANCES, key="comments_stances", placeholder="All stances")
arguments = top[2].multiselect("Arguments", ARGUMENTS, key="comments_arguments", placeholder="Any argument")
row = st.columns([2, 1, 3])
order = row[0].selectbox("Order", list(ORDERS), format_func=ORDERS.get, key="comments_order")
limit = row[1].selectbox("Rows", [100, 500, 2000], index=1, key="comments_limit")

shown = state.query("comments_view", filters, search, tuple(stances), tuple(arguments), int(limit), order,
                    view.real_names)
with row[2]:
    st.space("small")
    buttons = st.container(horizontal=True)
    buttons.download_button("Download CSV", state.views.table_bytes(shown, "csv"), "comments.csv", "text/csv",
                            key="comments_csv", on_click="ignore", icon=":material/download:")
    buttons.download_button("Download Parquet", state.views.table_bytes(shown, "parquet"), "comments.parquet",
                            "application/vnd.apache.parquet", key="comments_parquet", on_click="ignore",
                            icon=":material/download:")

if shown.empty:
    st.info("No comment matches; change the search or the filters.")
    st.stop()
more = " (the limit: refine the search or show more rows)" if len(shown) == int(limit) else ""
st.caption(f"{len(shown):,} comments shown{more}. The downloads hold exactly these rows and columns. "
           "Select a row to read the comment below.")
picked = st.dataframe(
    shown, hide_index=True, key="comments_table", on_select="rerun", selection_mode="single-row",
    column_config={
        "created_at": st.column_config.DatetimeColumn("time", format="D MMM YYYY, HH:mm"),
        "thread_id": st.column_config.TextColumn("thread"),
        "stance_confidence": st.column_config.ProgressColumn("confidence", min_value=0, max_value=1, format="%.2f"),
        "text": st.column_config.TextColumn("own words", width="large"),
        "quoted": st.column_config.TextColumn("quotes", help="Whom the comment quotes; the quoted text is not "
                                                             "part of 'own words'."),
        "parent_id": st.column_config.TextColumn("parent"),
        "parent_url": st.column_config.LinkColumn("parent link", display_text="parent ↗"),
        "url": st.column_config.LinkColumn("link", display_text="open ↗"),
    })

rows = picked.selection.rows if picked is not None else []
row = shown.iloc[rows[0] if rows else 0]
detail = state.comment_detail(row["id"], view.real_names, filters.tz)
with st.container(border=True):
    st.markdown(f"**{state.plain(detail['author'])}** · {detail['created_at']:%d %b %Y, %H:%M} ({filters.tz}) · "
                f"{row['stance']}, confidence {row['stance_confidence']:.2f}" + ("" if rows else " · *first row; "
                                                                                   "select another above*"))
    st.text(detail["text"])
    if detail["quotes"]:
        with st.expander(f"Quoted text ({len(detail['quotes'])}) from {state.plain(detail['quoted'] or 'someone')}",
                         icon=":material/format_quote:"):
            for quote in detail["quotes"]:
                st.text(quote)
    parent = detail["parent"]
    if parent:
        with st.expander(f"In reply to {state.plain(parent['author'])}", icon=":material/reply:"):
            st.text(parent["text"])
            if parent["url"]:
                st.link_button("Open the parent where it was posted", parent["url"], icon=":material/open_in_new:")
    if detail["url"]:
        st.link_button("Open where it was posted", detail["url"], icon=":material/open_in_new:")

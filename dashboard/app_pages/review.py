"""Review: label the comments the model is least sure of; human labels then count everywhere.

Protected when a review password is configured (Streamlit secret `review_password` or the
TRACKER_REVIEW_PASSWORD environment variable); the other pages stay open."""

import pandas as pd
import streamlit as st

from dashboard import state
from tracker.access import password_matches, review_password
from tracker.errors import TrackerError
from tracker.review import label_sets

QUEUE_SIZE = 50
UNLOCKED = "_review_unlocked"

view = state.view()
st.title("Review")

expected = review_password(state.secrets())
if expected and not st.session_state.get(UNLOCKED):
    given = st.text_input("Review password", type="password", key="review_password",
                          help="Reviewing writes labels, so it needs the password; the other pages do not.")
    if given and password_matches(given, expected):
        st.session_state[UNLOCKED] = True
        st.rerun()
    if given:
        st.error("Wrong password.", icon=":material/lock:")
    st.stop()

warning = state.drift_warning()
if warning:
    st.warning(warning + " The drift history is on the Model page.", icon=":material/trending_up:")

reviewer = st.text_input("Your name", key="reviewer", help="Stored with every label you give.")
queue = state.review_queue(view.filters, QUEUE_SIZE)
if queue.empty:
    st.success("Nothing left to review under these filters: every classified comment has a human label.")
    st.stop()

position = min(st.session_state.get("review_position", 0), len(queue) - 1)
item = queue.iloc[position]
st.caption(f"Comment {position + 1} of the {len(queue)} the model is least sure of (uncertainty "
           f"{item['uncertainty']:.2f}), most informative first; filters from the sidebar apply.")

st.subheader("The author's own words")
st.text(item["text"])
detail = state.comment_detail(item["id"], view.real_names, view.filters.tz) or {}
if detail.get("quotes"):
    with st.expander(f"Quoted text{' from ' + detail['quoted'] if detail.get('quoted') else ''} (not the author's words)"):
        for quote in detail["quotes"]:
            st.text(quote)
if item["parent_text"]:
    with st.expander("The comment it replies to"):
        st.text(item["parent_text"])

prediction = state.model_prediction(item["id"], view.model_version) or {}
st.caption(f"The model says {item['model_stance']} ({item['model_confidence']:.0%} sure); the form starts from its "
           "prediction.")
if prediction:
    st.dataframe(prediction["probabilities"], hide_index=True, key="review_probabilities", column_config={
        "label": "stance", "probability": st.column_config.ProgressColumn(
            "model probability", min_value=0.0, max_value=1.0, format="percent")})

allowed = label_sets(view.card)
model_tags = [t for t in prediction.get("arguments", []) if t in allowed["arguments"]]
model_sentiment = prediction.get("sentiment")
with st.form("review_form", clear_on_submit=True, enter_to_submit=True):
    stances, sentiments = list(allowed["stance"]), list(allowed["sentiment"])
    stance = st.radio("Stance", stances, horizontal=True, key="review_stance",
                      index=stances.index(item["model_stance"]) if item["model_stance"] in stances else 0)
    tags = st.pills("Arguments", allowed["arguments"], selection_mode="multi", key="review_arguments",
                    default=model_tags)
    sentiment = st.radio("Sentiment", sentiments, horizontal=True, key="review_sentiment",
                         index=sentiments.index(model_sentiment) if model_sentiment in sentiments else 0)
    note = st.text_input("Note (why, for a hard case)", key="review_note")
    save, skip = st.columns(2)
    saved = save.form_submit_button("Save label", type="primary", width="stretch")
    skipped = skip.form_submit_button("Skip", width="stretch")

if saved:
    try:
        state.save_label(item["id"], reviewer, stance, tags or [], sentiment, note, view.card)
    except TrackerError as exc:
        st.error(str(exc))
    else:
        st.toast(f"Saved: {stance}. It now counts everywhere as a human label.", icon=":material/check:")
        st.rerun()  # the labeled comment leaves the queue; the next one takes its place
if skipped:
    st.session_state["review_position"] = (position + 1) % len(queue)
    st.rerun()

"""Model: the card of the model whose predictions are shown: version, training data, metrics
per language and label, confusion matrix and calibration (all cross-validated)."""

import streamlit as st

from dashboard import charts, state
from tracker import views
from tracker.models import models_dir

st.title("Model")
current = st.session_state.get(state.VIEW_KEY)
card = current.card if current is not None else None
if current is None:
    st.info(views.NO_DATA, icon=":material/info:")
    card = state.current_card(str(models_dir().resolve()))
    if card is None:
        st.caption("No model bundle yet either: build the default one with `tracker train` (or `make model`).")
        st.stop()
    st.caption("The current model bundle, which `tracker classify` would use:")
elif card is None:
    st.warning(f"The predictions shown come from model `{current.model_version}`, but no bundle with that version "
               f"is in `{models_dir()}/`; its card cannot be shown and shares are not corrected. "
               "Re-run `tracker classify` with the current model, or set TRACKER_MODELS.", icon=":material/warning:")
    st.stop()

summary = views.card_summary(card)
st.markdown(f"Version `{summary['version']}`, built {(summary['created_at'] or 'at an unknown date')[:10]}.")
cells = st.columns(4)
cells[0].metric("Labeled comments", f"{summary['rows']:,}" if summary["rows"] else "unknown")
for cell, (lang, n) in zip(cells[1:3], summary["languages"].items()):
    cell.metric(f"in {lang}", f"{n:,}")
if summary["stance_macro_f1"] is not None:
    cells[3].metric("Stance macro-F1", f"{summary['stance_macro_f1']:.2f}", help="Cross-validated, all languages.")
cv = summary["cv"]
if cv:
    st.caption(f"Metrics below are cross-validated ({cv.get('folds')} folds, grouped by {cv.get('grouped_by')}, "
               "so comments of one thread never sit on both sides of a split).")
else:
    st.caption("This bundle was trained without cross-validation, so it has no metrics.")

scores = views.card_scores(card, "stance")
if not scores.empty:
    st.subheader("Stance: scores per language")
    st.dataframe(scores, hide_index=True, key="model_scores", column_config={
        "n": st.column_config.NumberColumn("labeled comments"),
        **{name: st.column_config.NumberColumn(name.replace("_", " "), format="%.3f")
           for name in ("accuracy", "macro_f1", "side_f1", "ece")},
        "ece": st.column_config.NumberColumn("ECE", format="%.3f", help="Expected calibration error: mean gap "
                                             "between confidence and accuracy (lower is better)."),
    })
    left, right = st.columns(2)
    with left:
        st.subheader("Per label")
        per_class = views.card_per_class(card, "stance")
        st.altair_chart(charts.per_class_f1(per_class), width="stretch")
        with st.expander("Precision, recall and support"):
            st.dataframe(per_class, hide_index=True, key="model_per_class", column_config={
                name: st.column_config.NumberColumn(name, format="%.3f") for name in ("precision", "recall", "f1")})
    with right:
        st.subheader("Confusion matrix")
        scope = st.segmented_control("Comments in", scores["scope"].tolist(), default="all", required=True,
                                     key="model_scope", format_func=lambda s: "all languages" if s == "all" else s)
        st.altair_chart(charts.confusion(views.card_confusion(card, "stance", scope)), width="content")
        st.caption("Rows: the true stance; columns: the predicted one. The corrected shares on the other pages "
                   "invert this matrix (scope 'all').")

    reliability = views.card_reliability(card, "stance", "all")
    if not reliability.empty:
        st.subheader("Calibration")
        left, right = st.columns([1, 1])
        left.altair_chart(charts.reliability(reliability), width="content")
        with right:
            st.caption("A well calibrated model is right 70% of the time when it says 70%: points on the dashed "
                       "diagonal. The minimum-confidence filter in the sidebar uses this confidence.")
            st.dataframe(reliability, hide_index=True, key="model_reliability", column_config={
                "bin_low": st.column_config.NumberColumn("confidence from", format="%.1f"),
                "bin_high": st.column_config.NumberColumn("to", format="%.1f"),
                "count": st.column_config.NumberColumn("predictions", format="%d"),
                "confidence": st.column_config.NumberColumn("mean confidence", format="%.3f"),
                "accuracy": st.column_config.NumberColumn("accuracy", format="%.3f")})

arguments = views.card_arguments(card)
if not arguments.empty:
    st.subheader("Arguments")
    st.dataframe(arguments, hide_index=True, key="model_arguments", column_config={
        name: st.column_config.NumberColumn(name, format="%.2f") for name in ("precision", "recall", "f1", "threshold")})

with st.expander("Training data and libraries"):
    st.markdown("**Files**")
    for name in summary["files"]:
        st.text(name)
    st.markdown("**Labels**")
    for head, labels in summary["labels"].items():
        st.text(f"{head}: {', '.join(labels)}")
    st.markdown("**Libraries**")
    st.text(", ".join(f"{name} {version}" for name, version in summary["libraries"].items()))

st.subheader("Drift of newly classified comments")
warning = state.drift_warning()
if warning:
    st.warning(warning, icon=":material/trending_up:")
history = state.drift_history()
if history.empty:
    st.caption("No classify run has measured drift yet; each `tracker classify` run records one.")
else:
    st.altair_chart(charts.drift(history), width="stretch")
    st.caption("Each point is a classify run: how far its comments are from the training data (unseen words, "
               "confidence, language mix). Above the dashed line, a review round is due (Review page).")

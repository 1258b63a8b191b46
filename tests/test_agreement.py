"""The agreement checks in data/agreement/: complete, within the label contract, applied."""

import glob

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from tracker.labeled import read_labeled
from tracker.schema import ARGUMENTS, SENTIMENTS, STANCES, split_arguments

CHECKS = [("sample.csv", "second_labeling.csv"), ("sample_b.csv", "second_labeling_b.csv"),
          ("sample_c.csv", "second_labeling_c.csv"), ("sample_d.csv", "second_labeling_d.csv"),
          ("sample_e.csv", "second_labeling_e.csv"), ("sample_f.csv", "second_labeling_f.csv"),
          ("sample_g.csv", "second_labeling_g.csv"),
          ("sample_h.csv", "second_labeling_h.csv")]


@pytest.fixture(scope="module")
def labeled():
    return read_labeled(sorted(glob.glob("data/labeled/*.csv"))).set_index("id")


def read(name):
    return pd.read_csv(f"data/agreement/{name}", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("sample, second", CHECKS)
def test_second_labeling_covers_the_sample_once_within_the_contract(sample, second):
    given, labels = read(sample), read(second)
    assert sorted(given["id"]) == sorted(labels["id"]) and labels["id"].is_unique
    assert labels["stance"].isin(STANCES).all() and labels["sentiment"].isin(SENTIMENTS).all()
    assert all(set(split_arguments(cell)) <= set(ARGUMENTS) for cell in labels["arguments"])


@pytest.mark.parametrize("suffix", ["_b", "_c", "_d", "_e", "_f", "_g", "_h"])
def test_later_checks_decisions_are_applied_to_the_corpus(labeled, suffix):
    decided = read(f"resolved{suffix}.csv").set_index("id")["decided_stance"]
    assert labeled.loc[decided.index, "stance"].to_dict() == decided.to_dict()


@pytest.mark.parametrize("suffix, kappa", [("_b", 0.960), ("_c", 0.905), ("_d", 0.942), ("_e", 0.893), ("_f", 0.966),
                                          ("_g", 0.903), ("_h", 0.848)])
def test_later_checks_agree_on_stance_as_data_readme_says(labeled, suffix, kappa):
    second = read(f"second_labeling{suffix}.csv").set_index("id")
    first = read(f"resolved{suffix}.csv").set_index("id")["first_stance"]
    # the corpus now holds the decided labels; the first annotator's are the corpus's before them
    before = labeled.loc[second.index, "stance"].copy()
    before.loc[first.index] = first
    assert round(cohen_kappa_score(before, second["stance"]), 3) == kappa

import glob

import pandas as pd
import pytest

from tracker.models import save_bundle
from tracker.train import TrainConfig, build_card, train


def labeled_sample(n_per_stance: int = 60, seed: int = 3) -> pd.DataFrame:
    """A small stratified sample of the shipped labeled corpus, both languages."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(glob.glob("data/labeled/*.csv"))]
    corpus = pd.concat(frames, ignore_index=True)
    per_group = min(n_per_stance // 2, corpus.groupby(["stance", "lang"]).size().min())
    return corpus.groupby(["stance", "lang"]).sample(n=per_group, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="session")
def threads() -> pd.DataFrame:
    """Two labeled files' whole threads, where regulars post several times."""
    return pd.concat([pd.read_csv(f"data/labeled/{name}.csv", dtype=str, keep_default_na=False)
                      for name in ("en_register", "fr_next")], ignore_index=True)


@pytest.fixture(scope="session")
def small_labeled(tmp_path_factory):
    path = tmp_path_factory.mktemp("labeled") / "small.csv"
    labeled_sample().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def bundle(small_labeled, tmp_path_factory):
    """A bundle trained (with 3-fold cross-validation) on the small sample."""
    frame = pd.read_csv(small_labeled, dtype=str, keep_default_na=False)
    config = TrainConfig(folds=3)
    result = train(frame, config)
    card = build_card(frame, [small_labeled], {"": result}, config, None)
    folder = save_bundle(result.predictor, card, tmp_path_factory.mktemp("models") / "small")
    return folder

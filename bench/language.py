"""Language identification on every labeled comment (whose language a person wrote down),
against lingua alone restricted to English and French, in the same run.

    python bench/language.py
"""

from __future__ import annotations

import glob
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.text import _detector, detect_languages  # noqa: E402


def main() -> None:
    paths = sorted(glob.glob("data/labeled/*.csv")) + sorted(glob.glob("data/heldout/*.csv"))
    frame = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True)
    texts, truth = frame["text"].tolist(), frame["lang"].tolist()
    detector = _detector()
    started = time.perf_counter()
    ours = detect_languages(texts)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    found = detector.detect_languages_in_parallel_of(texts)
    lingua_seconds = time.perf_counter() - started
    lingua = [{"ENGLISH": "en", "FRENCH": "fr"}.get(getattr(f, "name", ""), "other") for f in found]
    for name, predicted, seconds in (("tracker.text.detect_languages", ours, ours_seconds),
                                     ("lingua alone (en, fr)", lingua, lingua_seconds)):
        errors = [(t, p, x[:60]) for t, p, x in zip(truth, predicted, texts) if t != p]
        print(f"{name:<32} {len(texts) - len(errors)}/{len(texts)} right "
              f"({1 - len(errors) / len(texts):.2%}), {len(texts) / seconds:,.0f} texts/s")
        for error in errors[:12]:
            print("   ", error)


if __name__ == "__main__":
    main()

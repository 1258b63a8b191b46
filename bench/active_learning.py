"""Active learning on data/labeled/: labels chosen by the review queue versus chosen at random.

For each seed: a quarter of the threads are held out as the test set (grouped, so no thread
is on both sides); the rest is the pool. Both strategies start from the same random 10% of
the pool. Each round trains the stance model exactly as `tracker train` does (same features
and classifier, stance head only, no cross-validation), scores stance macro-F1 on the test
set, then adds `--batch` labels: the queue's picks (`tracker.review.select_for_review`:
the most uncertain by entropy over the stance probabilities, then the clustering step, one
pick per weighted k-means cluster) or a uniform random draw.
A reply's parent text is available whether or not the parent is labeled, as in the store.

Prints the table of mean macro-F1 per round (and its spread over seeds), how many labels
the queue needs to reach the random strategy's final score, and a text chart; writes
`active_learning.csv` (every seed), `active_learning.md` (the table) and
`active_learning.svg` (the curves) to --out. No plotting library is needed: the SVG is
written by hand (matplotlib is not a dependency).

    python bench/active_learning.py                          # 3 seeds, 15 rounds of 100
    python bench/active_learning.py --seeds 5 --rounds 20 --jobs 2
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.features import PARENT  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.review import select_for_review  # noqa: E402
from tracker.train import TrainConfig, prepare, train  # noqa: E402

STRATEGIES = ("queue", "random")
COLORS = {"queue": "#1f77b4", "random": "#d62728"}


def load_corpus() -> pd.DataFrame:
    """Stance-labeled rows with their parent's text (from the whole corpus, labeled or not)."""
    frame = read_labeled(sorted(glob.glob(str(ROOT / "data/labeled/*.csv"))))
    texts = dict(zip(frame["id"], frame["text"]))
    frame[PARENT] = frame["parent_id"].map(texts).fillna("")
    return prepare(frame[["id", "text", PARENT, "lang", "stance", "thread_id"]])


def learning_curve(corpus: pd.DataFrame, strategy: str, seed: int, start_share: float, batch: int, rounds: int,
                   method: str, cluster: bool) -> list[dict]:
    split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
    pool_idx, test_idx = next(split.split(corpus, groups=corpus["thread_id"]))
    pool, test = corpus.iloc[pool_idx].reset_index(drop=True), corpus.iloc[test_idx].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    labeled = set(rng.choice(len(pool), size=int(round(start_share * len(pool))), replace=False).tolist())
    config = TrainConfig(seed=seed)
    rows = []
    for round_number in range(rounds + 1):
        started = time.perf_counter()
        predictor = train(pool.iloc[sorted(labeled)], config, evaluate=False).predictor
        predicted = predictor.predict(test)
        rows.append({"seed": seed, "strategy": strategy, "round": round_number, "labels": len(labeled),
                     "macro_f1": f1_score(test["stance"], predicted["stance"], average="macro"),
                     "seconds": time.perf_counter() - started})
        unlabeled = np.array(sorted(set(range(len(pool))) - labeled))
        if round_number == rounds or not len(unlabeled):
            break
        if strategy == "random":
            picked = rng.choice(unlabeled, size=min(batch, len(unlabeled)), replace=False)
        else:
            candidates = pool.iloc[unlabeled]
            out = predictor.predict(candidates)
            probabilities = out[[f"p_{label}" for label in predictor.stance_labels]].to_numpy()
            picked = unlabeled[select_for_review(probabilities, candidates["text"].tolist(), batch, method, cluster)]
        labeled |= set(int(i) for i in picked)
    return rows


def labels_to_reach(curve: pd.DataFrame, target: float) -> int | None:
    reached = curve[curve["macro_f1"] >= target - 1e-9]
    return int(reached["labels"].iloc[0]) if len(reached) else None


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    grouped = results.groupby(["strategy", "round"]).agg(labels=("labels", "mean"), mean=("macro_f1", "mean"),
                                                          std=("macro_f1", "std")).reset_index()
    wide = grouped.pivot(index="round", columns="strategy", values=["labels", "mean", "std"])
    table = pd.DataFrame({"labels": wide["labels"]["queue"].round().astype(int)})
    for strategy in STRATEGIES:
        table[f"{strategy} macro-F1"] = wide["mean"][strategy]
        table[f"{strategy} sd"] = wide["std"][strategy]
    table["queue - random"] = table["queue macro-F1"] - table["random macro-F1"]
    return table.reset_index()


def markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns) + "\n"
    body = "".join("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |\n"
                   for row in table.itertuples(index=False))
    return header + body


def text_chart(table: pd.DataFrame, width: int = 50) -> str:
    low = min(table["queue macro-F1"].min(), table["random macro-F1"].min())
    high = max(table["queue macro-F1"].max(), table["random macro-F1"].max())
    scale = lambda v: int(round((v - low) / (high - low or 1) * width))  # noqa: E731
    lines = [f"macro-F1 from {low:.3f} (left) to {high:.3f} (right); Q = queue, R = random, * = both"]
    for row in table.itertuples(index=False):
        cells = [" "] * (width + 1)
        q, r = scale(row[table.columns.get_loc("queue macro-F1")]), scale(row[table.columns.get_loc("random macro-F1")])
        cells[r] = "R"
        cells[q] = "*" if q == r else "Q"
        lines.append(f"{row.labels:>5} |{''.join(cells)}|")
    return "\n".join(lines)


def svg_chart(results: pd.DataFrame, title: str, width: int = 720, height: int = 440) -> str:
    """Mean macro-F1 per number of labels, one line per strategy, with a band of +-1 sd over seeds."""
    left, right, top, bottom = 70, 150, 40, 55
    stats = results.groupby(["strategy", "round"]).agg(labels=("labels", "mean"), mean=("macro_f1", "mean"),
                                                        std=("macro_f1", "std")).reset_index().fillna(0)
    x_low, x_high = stats["labels"].min(), stats["labels"].max()
    y_low = np.floor((stats["mean"] - stats["std"]).min() * 20) / 20
    y_high = np.ceil((stats["mean"] + stats["std"]).max() * 20) / 20
    x = lambda v: left + (v - x_low) / (x_high - x_low or 1) * (width - left - right)  # noqa: E731
    y = lambda v: top + (y_high - v) / (y_high - y_low or 1) * (height - top - bottom)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="22" font-size="14">{title}</text>']
    for tick in np.arange(y_low, y_high + 1e-9, 0.05):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    for labels in sorted(stats["labels"].unique())[::2]:
        parts.append(f'<text x="{x(labels):.1f}" y="{height - bottom + 18}" text-anchor="middle">{labels:.0f}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
                 'labeled comments in the training set</text>')
    parts.append(f'<text transform="translate(18,{(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">'
                 'stance macro-F1 (held-out threads)</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
                 'fill="none" stroke="#888"/>')
    for number, strategy in enumerate(STRATEGIES):
        s = stats[stats["strategy"] == strategy].sort_values("labels")
        band = [f"{x(a):.1f},{y(m + d):.1f}" for a, m, d in zip(s["labels"], s["mean"], s["std"])]
        band += [f"{x(a):.1f},{y(m - d):.1f}" for a, m, d in zip(s["labels"][::-1], s["mean"][::-1], s["std"][::-1])]
        parts.append(f'<polygon points="{" ".join(band)}" fill="{COLORS[strategy]}" fill-opacity="0.15"/>')
        line = " ".join(f"{x(a):.1f},{y(m):.1f}" for a, m in zip(s["labels"], s["mean"]))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{COLORS[strategy]}" stroke-width="2"/>')
        parts += [f'<circle cx="{x(a):.1f}" cy="{y(m):.1f}" r="3" fill="{COLORS[strategy]}"/>'
                  for a, m in zip(s["labels"], s["mean"])]
        legend_y = top + 20 + number * 22
        parts.append(f'<line x1="{width - right + 15}" x2="{width - right + 40}" y1="{legend_y}" y2="{legend_y}" '
                     f'stroke="{COLORS[strategy]}" stroke-width="2"/><text x="{width - right + 46}" y="{legend_y + 4}">'
                     f'{strategy}</text>')
    return "\n".join(parts + ["</svg>"]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=100, help="Labels added per round.")
    parser.add_argument("--start", type=float, default=0.10, help="Share of the pool labeled at the start.")
    parser.add_argument("--method", default="entropy", choices=("entropy", "margin", "least_confidence"))
    parser.add_argument("--no-cluster", dest="cluster", action="store_false",
                        help="No clustering step: most uncertain first.")
    parser.add_argument("--first-seed", type=int, default=0, help="Seeds are first-seed .. first-seed + seeds - 1.")
    parser.add_argument("--jobs", type=int, default=2, help="Parallel (seed, strategy) runs.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out")
    args = parser.parse_args()

    corpus = load_corpus()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    started = time.perf_counter()
    runs = Parallel(n_jobs=args.jobs)(
        delayed(learning_curve)(corpus, strategy, seed, args.start, args.batch, args.rounds, args.method,
                                args.cluster)
        for seed in seeds for strategy in STRATEGIES)
    results = pd.DataFrame([row for run in runs for row in run])
    table = summary_table(results)
    random_final = table["random macro-F1"].iloc[-1]
    needed = labels_to_reach(table.rename(columns={"queue macro-F1": "macro_f1"}), random_final)
    final_labels = int(table["labels"].iloc[-1])
    per_seed = [labels_to_reach(results[(results["seed"] == s) & (results["strategy"] == "queue")],
                                results[(results["seed"] == s) & (results["strategy"] == "random")]["macro_f1"].iloc[-1])
                for s in seeds]

    args.out.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out / "active_learning.csv", index=False)
    step = "clustered" if args.cluster else "no clustering"
    title = (f"Review queue ({args.method}, {step}) vs random: {len(corpus)} comments, "
             f"seeds {seeds.start}-{seeds.stop - 1}")
    (args.out / "active_learning.svg").write_text(svg_chart(results, title))
    verdict = (f"queue reaches random's final macro-F1 ({random_final:.3f} at {final_labels} labels) with "
               + (f"{needed} labels ({final_labels - needed} fewer, {1 - needed / final_labels:.0%})" if needed
                  else "no round: it does not reach it"))
    seeds_line = "per seed, labels the queue needs for that seed's random final score: " + ", ".join(
        str(n) if n is not None else "not reached" for n in per_seed)
    (args.out / "active_learning.md").write_text(f"{title}\n\n{markdown(table)}\n{verdict}\n\n{seeds_line}\n")
    print(title)
    print(markdown(table))
    print(verdict)
    print(seeds_line)
    print()
    print(text_chart(table))
    print(f"\n{len(results)} models trained in {time.perf_counter() - started:.0f} s; wrote {args.out}/active_learning"
          ".{csv,md,svg}")


if __name__ == "__main__":
    main()

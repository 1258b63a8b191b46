"""Benchmark: reading a Reddit monthly dump, plain and zstd, in lines/s and peak memory.

Generates a dump of --lines comment lines (default 1,000,000) in Pushshift's shape, a smaller
one (--small-lines, default 100,000) as the memory baseline, and a zstd copy compressed with a
long window as the real dumps are. Each measurement runs in its own subprocess, which reports
its wall time and peak RSS (VmHWM), so runs do not share memory. Compared in the same run:
a bare `json.loads` loop over the same file (the floor any reader pays), and the reader at
100k lines (memory must not grow with the dump).

    python bench/ingest_dump.py                    # 1M lines, in a temporary folder
    python bench/ingest_dump.py --lines 200000     # quicker
    python bench/ingest_dump.py --workdir /tmp/dumps --keep
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW_LOG = 28  # above zstd's default decoder limit (27): needs max_window_size, like --long=31 dumps
SENTENCES = [
    "Open weights at this quality change the economics of inference.",
    "DeepSeek distilled the closed models, so this is not a breakthrough.",
    "Les poids ouverts permettent d'héberger le modèle en France.",
    "Sans les données d'entraînement, ce n'est pas de l'open source.",
    "The API is still cheaper for a business once you count the GPUs.",
    "> the moat was never the model\n\nIt was distribution and trust.",
    "Nvidia lost 17% in a day because of an MIT licence.",
    "Mistral et DeepSeek prouvent que l'ouverture attire les chercheurs & les clients.",
]


# --- generating --------------------------------------------------------------------------------


def write_dump(path: Path, lines: int, seed: int = 7) -> None:
    """`lines` comment lines; about 1 in 50 deleted or removed, 1 in 10,000 malformed."""
    rng = random.Random(seed)
    start = 1735689600  # 2025-01-01
    with open(path, "w", encoding="utf-8") as out:
        for number in range(lines):
            if number % 10_000 == 9_999:
                out.write('{"id": "broken", "body": "cut\n')
                continue
            thread = f"t3_{rng.randrange(36**6):x}"
            body = " ".join(rng.choices(SENTENCES, k=rng.randint(1, 3)))
            if number % 50 == 0:
                body = rng.choice(("[deleted]", "[removed]"))
            record = {
                "all_awardings": [], "author": f"user{rng.randrange(50_000)}", "author_flair_text": None,
                "body": body.replace("&", "&amp;").replace(">", "&gt;"), "controversiality": 0,
                "created_utc": start + number * 2, "edited": False, "gilded": 0, "id": f"c{number:x}",
                "link_id": thread, "parent_id": thread if rng.random() < 0.4 else f"t1_c{rng.randrange(number + 1):x}",
                "retrieved_on": start + 10**7, "score": rng.randint(-5, 500), "stickied": False,
                "subreddit": rng.choice(("LocalLLaMA", "MachineLearning", "france", "technology")),
                "subreddit_id": "t5_2qh1e",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def compress(source: Path, target: Path) -> None:
    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=WINDOW_LOG, threads=-1)
    with open(source, "rb") as plain, open(target, "wb") as packed:
        zstandard.ZstdCompressor(compression_params=params).copy_stream(plain, packed)


# --- measuring (in a child process) --------------------------------------------------------------


def child(kind: str, path: Path) -> None:
    started = time.perf_counter()
    count = rejected = 0
    if kind == "reader":
        from tracker.ingest import reddit_dump
        from tracker.ingest.base import ReadOptions, Rejected

        for item in reddit_dump.read(path, ReadOptions()):
            count += 1
            rejected += isinstance(item, Rejected)
    else:  # the floor: decompress if needed, split lines, json.loads each
        with open(path, "rb") as raw:
            if path.suffix == ".zst":
                import io

                import zstandard

                raw = io.BufferedReader(zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw))
            for line in raw:
                try:
                    json.loads(line)
                except ValueError:
                    rejected += 1
                count += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"lines": count, "rejected": rejected, "seconds": seconds, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: Linux carries ru_maxrss over
    fork and exec, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def measure(kind: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(path)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the report -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small-lines", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the generated dumps")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    holder = None if args.workdir else tempfile.TemporaryDirectory(prefix="dump-bench-")
    workdir = args.workdir or Path(holder.name)
    workdir.mkdir(parents=True, exist_ok=True)
    small, big = workdir / f"RC_small_{args.small_lines}.ndjson", workdir / f"RC_big_{args.lines}.ndjson"
    small_packed, packed = small.with_suffix(".zst"), big.with_suffix(".zst")
    started = time.perf_counter()
    write_dump(small, args.small_lines)
    write_dump(big, args.lines)
    compress(small, small_packed)
    compress(big, packed)
    print(f"generated in {time.perf_counter() - started:.0f}s: {big.stat().st_size / 2**20:.0f} MiB plain, "
          f"{packed.stat().st_size / 2**20:.0f} MiB zstd (window 2^{WINDOW_LOG}); "
          f"small {small.stat().st_size / 2**20:.0f} MiB")

    runs = [
        ("json.loads loop", "plain", small, "loads"),
        ("reader", "plain", small, "reader"),
        ("json.loads loop", "plain", big, "loads"),
        ("reader", "plain", big, "reader"),
        ("json.loads loop", "zstd", small_packed, "loads"),
        ("reader", "zstd", small_packed, "reader"),
        ("json.loads loop", "zstd", packed, "loads"),
        ("reader", "zstd", packed, "reader"),
    ]
    print(f"\n{'run':<18}{'file':<7}{'lines':>11}{'rejected':>10}{'seconds':>9}{'lines/s':>11}{'peak RSS MiB':>14}")
    results = {}
    for label, kind_of_file, path, kind in runs:
        figures = measure(kind, path)
        results[(label, path)] = figures
        rate = figures["lines"] / figures["seconds"]
        print(f"{label:<18}{kind_of_file:<7}{figures['lines']:>11,}{figures['rejected']:>10,}"
              f"{figures['seconds']:>9.1f}{rate:>11,.0f}{figures['peak_mb']:>14.1f}")

    reader_small, reader_big = results[("reader", small)], results[("reader", big)]
    floor_big = results[("json.loads loop", big)]
    print(f"\nreader vs bare json.loads (plain, {args.lines:,} lines): "
          f"{reader_big['seconds'] / floor_big['seconds']:.2f}x the time")
    print(f"reader peak RSS, {args.small_lines:,} -> {args.lines:,} lines: "
          f"{reader_small['peak_mb']:.1f} -> {reader_big['peak_mb']:.1f} MiB "
          f"({reader_big['peak_mb'] - reader_small['peak_mb']:+.1f} MiB for {args.lines // args.small_lines}x the lines)")
    zstd_small, zstd_big = results[("reader", small_packed)], results[("reader", packed)]
    zstd_floor = results[("json.loads loop", packed)]
    print(f"reader peak RSS on zstd, {args.small_lines:,} -> {args.lines:,} lines: "
          f"{zstd_small['peak_mb']:.1f} -> {zstd_big['peak_mb']:.1f} MiB; the bare decompress + json.loads loop "
          f"peaks at {zstd_floor['peak_mb']:.1f} MiB on the same file: zstd keeps up to one window "
          f"(2^{WINDOW_LOG} bytes here, 2^31 in real dumps) of output, the reader adds "
          f"{zstd_big['peak_mb'] - zstd_floor['peak_mb']:+.1f} MiB")
    if args.keep:
        print(f"dumps kept in {workdir}")
    elif holder:
        holder.cleanup()
    else:
        for path in (small, big, small_packed, packed):
            path.unlink()


if __name__ == "__main__":
    main()

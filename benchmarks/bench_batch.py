#!/usr/bin/env python3
"""Batch throughput and resume cost of `repair fix DIR --out OUT` (a benchmark, not a timed test).

    python benchmarks/bench_batch.py                    # 2,000 files, 1,000,000 words, -j 1 and -j 2
    python benchmarks/bench_batch.py --files 200 --words 100000   # a shorter run
    python benchmarks/bench_batch.py --jobs 1,2,4 --keep          # other worker counts; keep the tree

It writes a folder of --files text files (--words words in all, in 20 subfolders) into a temporary
directory, built deterministically (--seed) from the sentences of seeds/*.txt shuffled into paragraphs,
so it needs nothing but this checkout. Then, each in a fresh subprocess (`python -m repair`, with the
interpreter start and the table load of every worker counted):

  (a) `repair fix DIR --out OUT_N -j N` for each N of --jobs, into a fresh OUT_N: wall time and words/s,
      and the speed-up of the last N over the first;
  (b) the same command again with the last OUT_N, which finds every output up to date: its wall time
      as a percentage of the first run into that folder.

The last line is one summary:
  BENCH_BATCH files=... words=... j1_words_per_s=... j2_words_per_s=... speedup=... rerun_pct=...
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def sentences() -> list[str]:
    """Every sentence of the seed articles, one line each (line breaks inside folded)."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for para in re.split(r"\n\s*\n|\n", text):
            for s in re.split(r"(?<=[.!?\u201d])\s+(?=[A-Z\u201c\"])", para.strip()):
                if len(s.split()) >= 4:
                    out.append(" ".join(s.split()))
    if not out:
        sys.exit(f"bench_batch: no sentences in {SEEDS}/*.txt")
    return out


def make_tree(root: Path, files: int, words: int, seed: int) -> int:
    """Write ``files`` files of about words/files words each; return the words written."""
    rng = random.Random(seed)
    pool = sentences()
    per_file = max(1, words // files)
    total = 0
    for i in range(files):
        folder = root / f"part{i % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        paras, para, count = [], [], 0
        while count < per_file:
            s = rng.choice(pool)
            para.append(s)
            count += len(s.split())
            if len(para) >= rng.randint(3, 6):
                paras.append(" ".join(para))
                para = []
        if para:
            paras.append(" ".join(para))
        (folder / f"doc{i:05d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        total += count
    return total


def _cpu_s() -> float:
    """User + system CPU seconds of every finished child process and their children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def run_fix(tree: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall time and CPU time of one `repair fix` run (the CPU time of its workers included)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    cmd = [sys.executable, "-m", "repair", "fix", str(tree), "--out", str(out), "-j", str(jobs), "--isolated"]
    t0, c0 = time.perf_counter(), _cpu_s()
    p = subprocess.run(cmd, capture_output=True, env=env, text=True)
    dt, cpu = time.perf_counter() - t0, _cpu_s() - c0
    if p.returncode != 0:
        sys.exit(f"bench_batch: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr}")
    summary = [line for line in p.stderr.splitlines() if line.startswith("repair: fix:")]
    for line in summary:
        print(f"    {line}")
    return dt, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--jobs", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",") if j.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="bench_batch."))
    try:
        tree = tmp / "corpus"
        t0 = time.perf_counter()
        words = make_tree(tree, args.files, args.words, args.seed)
        print(f"bench_batch: {args.files:,} files, {words:,} words in {tree} "
              f"(made in {time.perf_counter() - t0:.1f} s); {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}; {_load()}")
        rates: dict[int, float] = {}
        times: dict[int, float] = {}
        for j in jobs:
            print(f"  repair fix DIR --out OUT -j {j}:")
            times[j], cpu = run_fix(tree, tmp / f"out_j{j}", j)
            rates[j] = words / times[j]
            print(f"  -j {j}: {times[j]:.1f} s, {rates[j]:,.0f} words/s, {args.files / times[j]:,.1f} files/s; "
                  f"CPU {cpu:.1f} s ({cpu / times[j]:.2f} cores busy on average); {_load()}")
        first, last = jobs[0], jobs[-1]
        speedup = rates[last] / rates[first]
        print(f"  speed-up -j {last} over -j {first}: {speedup:.2f}x")
        print(f"  rerun -j {last} into the same OUT (everything up to date):")
        rerun, _ = run_fix(tree, tmp / f"out_j{last}", last)
        pct = 100 * rerun / times[last]
        print(f"  rerun: {rerun:.2f} s, {pct:.1f}% of the first run")
        figures = " ".join(f"j{j}_words_per_s={rates[j]:.0f}" for j in jobs)
        print(f"BENCH_BATCH files={args.files} words={words} {figures} speedup={speedup:.2f} "
              f"rerun_s={rerun:.2f} rerun_pct={pct:.1f}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

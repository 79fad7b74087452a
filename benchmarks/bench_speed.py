#!/usr/bin/env python3
"""Speed and memory of `repair`: prints figures (this is a benchmark, not a timed test).

    python benchmarks/bench_speed.py                      # 1,000,000 words (see below for the text)
    python benchmarks/bench_speed.py --words 100000       # a shorter run
    python benchmarks/bench_speed.py --quick              # 20,000 words, for a smoke check
    python benchmarks/bench_speed.py some.txt --words 0   # a file (or a folder of *.txt), all of it
    python benchmarks/bench_speed.py --paragraphs 0       # the 1,000,000 words as ONE document (a big file)

Measures, on this machine:
  (a) throughput, words/s, of repair.pipeline.fix_and_explain in one warm process, fed documents of
      ~50 paragraphs (--paragraphs); words are whitespace-separated pieces of the input;
  (b) a cold `python -m repair fix PARA.txt` of one paragraph in a fresh subprocess: wall time, the
      median of --repeats runs (interpreter start, import, table load, one fix);
  (c) peak RSS (getrusage ru_maxrss) of the throughput process and of the cold child;
  (d) table load time: the first fix_and_explain call of the process minus a warm call on the same text.

Text: the path argument if given; else, if ../shared/corpora exists (a developer's machine), the first
--words words of `cat ../shared/corpora/wiki_en_paragraphs.txt.xz.part* | xz -dc`; else the seeds/
articles repeated. The last line is one summary:
  BENCH words_per_s=... cold_fix_s=... peak_rss_mb=... load_s=...
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora"


def _rss_mb(who: int) -> float:
    kb = resource.getrusage(who).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return kb / (1024 * 1024 if sys.platform == "darwin" else 1024)


# ---------------------------------------------------------------- text
def paragraphs_from_path(path: Path, limit: int) -> tuple[list[str], str]:
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files:
        sys.exit(f"bench_speed: no .txt files in {path}")
    paras, words = [], 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                paras.append(line)
                words += len(line.split())
                if limit and words >= limit:
                    return paras, str(path)
    return paras, str(path)


def paragraphs_from_corpus(limit: int) -> tuple[list[str], str]:
    parts = sorted(CORPUS.glob("wiki_en_paragraphs.txt.xz.part*"))
    cat = subprocess.Popen(["cat", *map(str, parts)], stdout=subprocess.PIPE)
    xz = subprocess.Popen(["xz", "-dc"], stdin=cat.stdout, stdout=subprocess.PIPE)
    cat.stdout.close()  # xz owns the pipe now
    paras, words = [], 0
    try:
        for raw in xz.stdout:
            line = raw.decode("utf-8").rstrip("\n")
            if line.strip():
                paras.append(line)
                words += len(line.split())
                if words >= limit:
                    break
    finally:
        for p in (xz, cat):
            if p.poll() is None:
                p.terminate()
            p.wait()
        xz.stdout.close()
    return paras, f"../shared/corpora/wiki_en_paragraphs (first {words:,} words)"


def paragraphs_from_seeds(limit: int) -> tuple[list[str], str]:
    base, _ = paragraphs_from_path(ROOT / "seeds", 0)
    paras, words = [], 0
    while words < limit:
        for p in base:
            paras.append(p)
            words += len(p.split())
            if words >= limit:
                break
    return paras, "seeds/*.txt repeated"


def documents(paras: list[str], per_doc: int) -> list[str]:
    """The paragraphs as documents of ``per_doc`` paragraphs each (0: all of them in one document)."""
    per_doc = per_doc or max(len(paras), 1)
    return ["\n".join(paras[i:i + per_doc]) + "\n" for i in range(0, len(paras), per_doc)]


# ---------------------------------------------------------------- measurements
def cold_fix(paragraph: str, repeats: int) -> tuple[float, float]:
    """Median wall time of `python -m repair fix PARA.txt` in a fresh process, and its peak RSS.

    The children may write bytecode caches, and one untimed run goes first, so the package's modules
    are not compiled again in every timed run: `pip install` compiles them once, at install time
    (PYTHONDONTWRITEBYTECODE=1 in a developer's shell would otherwise add ~0.07 s to every run)."""
    times = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        para = Path(tmp) / "PARA.txt"
        para.write_text(paragraph + "\n", encoding="utf-8")
        for k in range(repeats + 1):
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "repair", "fix", str(para)], cwd=tmp,
                               capture_output=True, env=env)
            if k:
                times.append(time.perf_counter() - t)
            if r.returncode != 0:
                sys.exit(f"bench_speed: repair fix failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return statistics.median(times), _rss_mb(resource.RUSAGE_CHILDREN)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", type=Path, help="a text file or a folder of *.txt (one paragraph a line)")
    ap.add_argument("--words", type=int, default=1_000_000, help="stop after this many words (0: all of PATH)")
    ap.add_argument("--quick", action="store_true", help="same as --words 20000")
    ap.add_argument("--paragraphs", type=int, default=50, help="paragraphs per document fed to the engine (0: the whole text as one document, as one big file is)")
    ap.add_argument("--repeats", type=int, default=3, help="cold `repair fix` runs (median is reported)")
    ap.add_argument("--progress", type=float, default=30.0, help="seconds between progress lines (0: none)")
    args = ap.parse_args(argv)
    limit = 20_000 if args.quick else args.words

    t0 = time.perf_counter()
    if args.path:
        paras, source = paragraphs_from_path(args.path, limit)
    elif CORPUS.is_dir() and list(CORPUS.glob("wiki_en_paragraphs.txt.xz.part*")):
        paras, source = paragraphs_from_corpus(limit)
    else:
        paras, source = paragraphs_from_seeds(limit)
    docs = documents(paras, args.paragraphs)
    n_words = sum(len(d.split()) for d in docs)
    shape = f"{len(docs):,} documents of <= {args.paragraphs} paragraphs" if args.paragraphs else "one document"
    print(f"text: {source}: {len(paras):,} paragraphs, {n_words:,} words, {shape} "
          f"(read in {time.perf_counter() - t0:.1f} s)", flush=True)
    print(f"machine: {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{__import__('os').cpu_count()} cpus", flush=True)

    # (b) cold fix of one paragraph, in a child (before this process loads anything)
    para = next((p for p in paras if 80 <= len(p.split()) <= 150), paras[0])  # a news-sized paragraph
    cold_s, child_rss = cold_fix(para, args.repeats)
    print(f"(b) cold `python -m repair fix` of one {len(para.split())}-word paragraph: "
          f"{cold_s:.2f} s (median of {args.repeats}); child peak RSS {child_rss:.0f} MB", flush=True)

    # (d) table load: first call minus a warm call on the same text
    rss_before = _rss_mb(resource.RUSAGE_SELF)
    from repair.pipeline import fix_and_explain

    t = time.perf_counter()
    fix_and_explain(para)
    first = time.perf_counter() - t
    t = time.perf_counter()
    fix_and_explain(para)
    warm = time.perf_counter() - t
    load_s = first - warm
    print(f"(d) table load: first call {first:.2f} s - warm call {warm:.3f} s = {load_s:.2f} s; "
          f"RSS {rss_before:.0f} -> {_rss_mb(resource.RUSAGE_SELF):.0f} MB", flush=True)

    # (a) throughput
    done_words = n_changes = 0
    t = last = time.perf_counter()
    for k, doc in enumerate(docs):
        n_changes += len(fix_and_explain(doc).changes)
        done_words += len(doc.split())
        now = time.perf_counter()
        if args.progress and now - last >= args.progress:
            last = now
            print(f"    ... {k + 1}/{len(docs)} documents, {done_words:,} words, "
                  f"{done_words / (now - t):,.0f} words/s", flush=True)
    elapsed = time.perf_counter() - t
    wps = done_words / elapsed if elapsed else float("inf")
    peak = _rss_mb(resource.RUSAGE_SELF)
    print(f"(a) throughput: {done_words:,} words in {elapsed:.1f} s = {wps:,.0f} words/s "
          f"({n_changes} changes at the default threshold = {1000 * n_changes / max(done_words, 1):.2f} "
          f"per 1k words)", flush=True)
    print(f"(c) peak RSS: throughput process {peak:.0f} MB; cold child {child_rss:.0f} MB", flush=True)
    print(f"BENCH words_per_s={wps:.0f} cold_fix_s={cold_s:.2f} peak_rss_mb={peak:.0f} load_s={load_s:.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""False edits on clean text, one document at a time (every edit on clean text is a false one).

    python benchmarks/clean_eval.py seeds/000_e735aa5078f829fd.txt ../shared/data/clean_news_wikinews
    python benchmarks/clean_eval.py pairs.jsonl --min-confidence 0.5 -v

PATH is a .txt file, a folder of .txt files, or a JSONL file whose "original" fields are clean text.
Each document is repaired on its own, as `repair fix FILE` would: the engine's document-level
evidence (the gate) sees that document only. (The referee, shared/eval/spin_eval.py, repairs all
clean texts joined into one call, so its gate sees 96k words of mostly clean text at once; this
script is the per-file figure a user with a folder of files gets.)

Prints documents, words, false edits, edits per 1k words, documents touched, and with -v each edit.
The last line is a summary: CLEAN docs=... words=... edits=... per_1k=...
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import repair
from repair.learn import read_jsonl
from repair.pipeline import DEFAULT_THRESHOLD


def documents(path: Path) -> list[tuple[str, str]]:
    if path.is_dir():
        return [(str(f), f.read_text(encoding="utf-8")) for f in sorted(path.glob("*.txt"))]
    if path.suffix == ".jsonl":
        return [(f"{path}:{p.line}", p.original) for p in read_jsonl(path)]
    return [(str(path), path.read_text(encoding="utf-8"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--min-confidence", type=float, default=None,
                    help=f"one threshold for every document (default: the engine's, {DEFAULT_THRESHOLD}, "
                         "and the document gate's lower one in a text that reads as spun)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    docs = words = edits = touched = 0
    for path in args.paths:
        for name, text in documents(path):
            fixed = repair.fix_and_explain(text) if args.min_confidence is None \
                else repair.fix_and_explain(text, min_confidence=args.min_confidence)
            changes = fixed.changes
            docs += 1
            words += sum(1 for w in text.split() if any(ch.isalnum() for ch in w))
            edits += len(changes)
            touched += bool(changes)
            if args.verbose:
                for c in changes:
                    print(f"{name}: {c.old!r} -> {c.new!r} ({c.confidence:.2f}) {c.rule}")
    per_1k = 1000 * edits / max(words, 1)
    print(f"{docs} documents, {words} words, {edits} false edits ({per_1k:.2f} per 1k words), {touched} touched")
    print(f"CLEAN docs={docs} words={words} edits={edits} per_1k={per_1k:.2f}")


if __name__ == "__main__":
    main()

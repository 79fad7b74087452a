#!/usr/bin/env python3
"""Tortured phrases the lexicon has never seen: how often is the best restoration the expected one?

    python benchmarks/tortured_eval.py --shared ../shared [--n 400] [--seed 0] [--alone]

Takes the plain ("clean_pair" = 1) rows of shared/data/tortured_phrases_dev.tsv, shuffles them with
--seed, and withholds the first fifth (at most --n) from the bundled tortured lexicon. Each withheld
phrase is put in a short carrier sentence ("In this paper we study the PHRASE of the proposed
method."), or given alone with --alone; the engine's best suggestion for every span inside the
phrase is applied whatever its confidence (top-1), and the result is compared with the expected
phrase, case folded.
Last line: TORTURED withheld=... top1=... share=... given=carrier|alone
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from repair import spin
from repair.candidates import Channel
from repair.lexicon import Lexicon, read_lexicon

CARRIER = "In this paper we study the {} of the proposed method."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alone", action="store_true", help="each phrase on its own, without the carrier sentence")
    args = ap.parse_args()
    with open(args.shared / "data" / "tortured_phrases_dev.tsv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["clean_pair"] == "1"]
    random.Random(args.seed).shuffle(rows)
    fold = rows[: len(rows) // 5][: args.n]
    held = {r["tortured"].lower() for r in fold}
    lexicon = [e for e in read_lexicon(ROOT / "lexicons" / "tortured.tsv") if e.spun not in held]
    channel = Channel([Lexicon(read_lexicon(ROOT / "lexicons" / "spinbot.tsv") + lexicon)])
    top1 = 0
    for r in fold:
        phrase, want = r["tortured"], r["expected"].lower()
        text = phrase if args.alone else CARRIER.format(phrase)
        start, end = text.index(phrase), text.index(phrase) + len(phrase)
        inside = [c for c in spin.decisions(spin.score_document(text, channel=channel), floor=1e-9)
                  if c.start >= start and c.end <= end]
        out = text
        for c in sorted(inside, key=lambda c: -c.start):
            out = out[:c.start] + c.new + out[c.end:]
        top1 += out[start:len(out) - (len(text) - end)].lower() == want
    print(f"TORTURED withheld={len(fold)} top1={top1} share={top1 / max(len(fold), 1):.3f} "
          f"given={'alone' if args.alone else 'carrier'}")


if __name__ == "__main__":
    main()

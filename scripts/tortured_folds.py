"""The tortured-phrase folds, in one place: benchmarks/tortured_eval.py tests on a fold and
scripts/train_phrase.py must never train on it, so both take the fold, the carrier sentence and
the withheld channel from here."""
from __future__ import annotations

import csv
import random
from pathlib import Path

from repair.candidates import Channel
from repair.lexicon import Lexicon, read_lexicon, word_swaps

ROOT = Path(__file__).resolve().parent.parent
CARRIER = "In this paper we study the {} of the proposed method."


def plain_rows(shared: Path) -> list[dict]:
    """The plain ("clean_pair" = 1) rows of shared/data/tortured_phrases_dev.tsv, in file order."""
    with open(shared / "data" / "tortured_phrases_dev.tsv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["clean_pair"] == "1"]


def fold(rows: list[dict], seed: int = 0, n: int = 400) -> list[dict]:
    """The rows a benchmark run withholds: the first fifth (at most ``n``) after shuffling with ``seed``."""
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows[: len(rows) // 5][:n]


def withheld_channel(held: set[str]) -> Channel:
    """The bundled SpinBot and tortured lexicons, less the tortured wordings ``held`` (lower case),
    with word swaps rebuilt from what is left."""
    kept = [e for e in read_lexicon(ROOT / "lexicons" / "tortured.tsv") if e.spun not in held]
    spinbot = read_lexicon(ROOT / "lexicons" / "spinbot.tsv")
    return Channel([Lexicon(spinbot + kept + word_swaps(kept))])

#!/usr/bin/env python3
"""Train the phrase model (repair/phrase.py) on tortured-phrase pairs the lexicon did not hold.

    python scripts/train_phrase.py --shared ../shared [--out lexicons/phrase_model.json]

Takes the plain ("clean_pair" = 1) rows of shared/data/tortured_phrases_dev.tsv, leaves out the
fold benchmarks/tortured_eval.py tests on (its --seed 0 fold: never trained on), and splits the rest
into five parts. Each part is withheld in turn from the bundled tortured lexicon and its word swaps
(as the benchmark withholds its fold), and every reading of each of its phrases is scored, given
alone and in the benchmark's carrier sentence. A conditional logit (softmax over one phrase's
readings, features standardised, L2 penalty 1) is fitted to the readings of the phrases whose
expected restoration is among them. Prints five-fold figures (fit on four parts, top-1 on the
fifth) and writes the model fitted on all five, with its figures, as JSON. Needs scipy
(``pip install -e ".[build]"``). About four minutes on two cores.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from repair import phrase  # noqa: E402
from scripts.tortured_folds import CARRIER, fold, plain_rows, withheld_channel  # noqa: E402

PARTS = 5
PENALTY = 1.0


def collect(rows: list[dict], bench: set[str]) -> list[list[tuple]]:
    """Per part: (phrase, given, X, index of the expected reading or -1) for each phrase, both ways given."""
    rest = [r for r in rows if r["tortured"].lower() not in bench]
    random.Random(7).shuffle(rest)
    parts = []
    for k in range(PARTS):
        part = rest[k::PARTS]
        channel = withheld_channel({r["tortured"].lower() for r in part} | bench)
        out = []
        for r in part:
            want = r["expected"].lower()
            for given in ("alone", "carrier"):
                context = None if given == "alone" else CARRIER.format(r["tortured"])
                try:
                    texts, X, _ = phrase.reading_features(r["tortured"], context, channel=channel)
                except ValueError:  # too long to read whole: `repair phrase` refuses it too
                    texts, X = [], np.zeros((0, len(phrase.FEATURES)))
                hit = [j for j, t in enumerate(texts) if t.lower() == want]
                out.append((r["tortured"], given, X, hit[0] if hit else -1))
        parts.append(out)
    return parts


def fit(items: list[tuple]) -> phrase.PhraseModel:
    from scipy.optimize import minimize

    use = [it for it in items if it[3] >= 0]
    X_all = np.vstack([it[2] for it in use])
    mean, scale = X_all.mean(axis=0), X_all.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    groups = [((it[2] - mean) / scale, it[3]) for it in use]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * PENALTY * w @ w, PENALTY * w
        for Z, y in groups:
            s = Z @ w
            top = s.max()
            p = np.exp(s - top)
            norm = p.sum()
            total -= s[y] - top - np.log(norm)
            grad = grad - (Z[y] - (p / norm) @ Z)
        return total, grad

    w = minimize(loss, np.zeros(X_all.shape[1]), jac=True, method="L-BFGS-B").x
    return phrase.PhraseModel(phrase.FEATURES, mean, scale, w)


def top1(items: list[tuple], m: phrase.PhraseModel, given: str) -> tuple[int, int, int]:
    """(right first, phrases, phrases whose expected reading is among the readings) of one way given."""
    right = n = reach = 0
    for _, g, X, y in items:
        if g != given:
            continue
        n += 1
        reach += y >= 0
        if len(X) and y >= 0:
            s = m.scores(X)
            right += int(np.flatnonzero(s == s.max())[0]) == y  # ties: the first, as phrase.readings
    return right, n, reach


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "lexicons" / phrase.MODEL_FILE)
    args = ap.parse_args()
    t0 = time.time()
    rows = plain_rows(args.shared)
    bench = {r["tortured"].lower() for r in fold(rows)}  # benchmarks/tortured_eval.py's default fold
    parts = collect(rows, bench)
    print(f"readings of {sum(len(p) for p in parts) // 2} phrases scored in {time.time() - t0:.0f} s", flush=True)
    folds = {"alone": [0, 0, 0], "carrier": [0, 0, 0]}
    per_part: dict[str, list[float]] = {"alone": [], "carrier": []}
    for k in range(PARTS):
        m = fit([it for j, p in enumerate(parts) if j != k for it in p])
        for given, acc in folds.items():
            got = top1(parts[k], m, given)
            per_part[given].append(round(got[0] / max(got[1], 1), 4))
            for i, x in enumerate(got):
                acc[i] += x
    model = fit([it for p in parts for it in p])
    figures = {given: {"top1": r, "phrases": n, "reachable": reach, "share": round(r / max(n, 1), 4),
                       "share_per_part": per_part[given]}
               for given, (r, n, reach) in folds.items()}
    for given, f in figures.items():
        print(f"five-fold, given {given}: top-1 {f['top1']}/{f['phrases']} ({f['share']:.1%}; parts "
              f"{', '.join(f'{x:.1%}' for x in f['share_per_part'])}); expected among the readings {f['reachable']}")
    doc = {
        "about": "repair's phrase model: a conditional logit over the readings of one phrase known to be "
                 "spun (repair/phrase.py). Trained by scripts/train_phrase.py on the plain rows of "
                 "tortured_phrases_dev.tsv (PPS, CC BY 4.0) outside benchmarks/tortured_eval.py's fold, "
                 "each withheld from the lexicon while its readings were scored.",
        "trained_on": {"phrases": sum(len(p) for p in parts) // 2, "benchmark_fold_left_out": len(bench),
                       "parts": PARTS, "penalty": PENALTY},
        "five_fold": figures,
        "model": model.to_json(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".phrase_model.")
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the table is for everyone who installs
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"wrote {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

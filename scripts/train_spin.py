#!/usr/bin/env python3
"""Train the spin scorer's decision model (lexicons/spin_model.json) and report what it does.

    python scripts/train_spin.py --shared ../shared [--docs 600] [--trees 120]

Events are (span, candidate) pairs with the evidence features of repair/spin.py; the
label says whether the candidate is the span's original wording. They come from:

  * the SpinBot dev pairs (shared/data/spinbot_dev.jsonl), one document per article,
    the lexicon **cross-fitted**: an article's events are computed with a lexicon learned
    from the other articles only, so lexicon features look as they will on unseen text.
    Labels come from a token alignment of the spun article with its original; the
    original article is clean text (negatives) under the same lexicon;
  * held-out Wikipedia paragraphs (every 100th corpus paragraph, never counted in the
    n-gram tables), four to a document: a quarter spun by a synthetic thesaurus spinner,
    a quarter by the dev lexicon run backwards, a quarter by both, a quarter left clean.

The model is gradient-boosted trees (LightGBM, a build-time dependency only), exported to
the plain JSON that repair/decide.py evaluates. The threshold is the lowest at which other
held-out clean Wikipedia documents (never trained on) get at most --max-false false edits
per 1k words. Generalisation is measured by leave-one-article-out: for each dev article,
a lexicon and a model trained without it, applied to it (reversal on unseen articles).

The document gate's rule is given (--spun-score, --spun-threshold; it was chosen on the
spin scores of clean held-out Wikipedia and Wikinews documents, lexicons/README.md): a
document whose spin score reaches --spun-score gets the lower --spun-threshold. The script
prints and records what the rule does on the unseen articles and the clean documents.

Neither the gold annotations nor Wikinews are read.
"""
from __future__ import annotations

import argparse
import bisect
import difflib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from repair import spin
from repair.candidates import MOBY_FWD, WN_SYN, Channel, inflect_term, inflected_forms, thesaurus
from repair.changes import apply_changes
from repair.data import load_npz
from repair.decide import DecisionModel
from repair.learn import Pair, count_occurrences, learn
from repair.lexicon import SWAP_SOURCE, Lexicon, read_lexicon, resolve_chains
from repair.lm import model
from repair.tokens import tokenize
from scripts.build_ngrams import corpus_lines

LEARNING_RATE, NUM_LEAVES, MAX_DEPTH = 0.08, 15, 5
# more evidence that the text is spun (the block and document features, the gate) never makes a candidate
# less likely: without this the trees learn bumps (a candidate more likely once other spins were
# repaired), and repair is not idempotent. Replaced wordings still standing (doc_orig) are evidence against.
MONOTONE = {"block_unseen": 1, "block_gain": 1, "doc_unseen": 1, "doc_gain": 1, "doc_orig": -1,
            "doc_lex_share": 1, "block_pi": 1, "doc_pi": 1}
FOLDS = 4  # cross-fitting of the first stage's probabilities (the second stage's gate)
TABLE_TYPE_RATE, TABLE_MISS_RATE = 0.25, 0.1  # the table spinner: share of words (lemmas) it has a synonym
#                                              for, and share of their occurrences it still leaves alone
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


# ---------------------------------------------------------------- data
def heldout(shared: Path, every: int, n: int) -> list[str]:
    out = []
    for k, line in enumerate(corpus_lines(shared)):
        if k % every == every - 1 and 40 <= len(line.split()) <= 250:
            out.append(line.strip())
            if len(out) >= n:
                break
    return out


def dev_articles(path: Path, min_paragraphs: int = 5) -> list[list[dict]]:
    """The dev pairs grouped by article. The file holds its articles one after another without
    marked boundaries; a short heading line ("Roy of the Rovers", "Footnotes") starts a new group
    once the current one has ``min_paragraphs``, so section headings stay with their article.
    (Contiguous equal folds would split an article across folds and leak its wording.)"""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles: list[list[dict]] = []
    for r in rows:
        heading = len(r["original"].split()) <= 8 and not r["original"].rstrip().endswith(".")
        if not articles or (heading and len(articles[-1]) >= min_paragraphs):
            articles.append([])
        articles[-1].append(r)
    return articles


def other_lexicons() -> list:
    """The entries of the bundled lexicons other than SpinBot's (the tortured-phrase list and its
    word swaps), as the engine loads them."""
    return [e for name in spin.BUNDLED_LEXICONS if name != "spinbot.tsv" and (ROOT / "lexicons" / name).exists()
            for e in read_lexicon(ROOT / "lexicons" / name)]


def unseen_channel(articles: list[list[dict]], g: int, others: list) -> Channel:
    """The channel for dev article ``g`` as for a text the lexicon has not seen: the SpinBot lexicon
    learned again from the other articles' pairs (the recipe of scripts/build_lexicons.py), with
    ``others`` (:func:`other_lexicons`)."""
    rest = [Pair(r["original"], r["spun"]) for h, a in enumerate(articles) if h != g for r in a]
    return Channel([Lexicon(resolve_chains(learn(rest, source="fold"))[0] + others)])


def join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


# ---------------------------------------------------------------- synthetic spinners
def forward_map() -> dict[str, list[str]]:
    """original -> single words a thesaurus spinner could choose (Moby forward or WordNet)."""
    th = thesaurus()
    fwd: dict[str, list[str]] = {}
    for i, term in enumerate(th.terms):
        if " " in term:
            continue
        for k in range(th.offsets[i], th.offsets[i + 1]):
            if int(th.flags[k]) & (MOBY_FWD | WN_SYN):
                fwd.setdefault(th.terms[int(th.orig[k])], []).append(term)
    return fwd


@dataclass
class Spun:
    text: str
    gold: dict[int, tuple[int, str]] = field(default_factory=dict)  # start -> (end, original lower)


class Spinner:
    """Rewrites text the way a blind spinner does, remembering what it changed."""

    def __init__(self, fwd: dict[str, list[str]], reverse: dict[tuple[str, ...], list[tuple[str, int]]],
                 rng: random.Random) -> None:
        self.fwd, self.reverse, self.rng = fwd, reverse, rng
        self.max_len = max((len(k) for k in reverse), default=1)

    def thesaurus_choice(self, word: str) -> str | None:
        lm = model()
        forms = inflected_forms(word)
        lemma, tag = forms[0] if forms else (word, None)
        # any listed synonym that is not rare: on the SpinBot dev pairs the spun word's Zipf is >= 3 for
        # 95% of single-word swaps, and its frequency rank among the original's synonyms is spread
        # out (median 21 of 94), so the choice is uniform, not the commonest few
        syns = sorted({s for s in self.fwd.get(lemma, ()) if lm.zipf(s) >= 3.0})
        if not syns:
            return None
        s = self.rng.choice(syns)
        new = inflect_term(s, tag) if tag else s
        return new if new and new != word else None

    def table_choice(self, lemma: str) -> str | None:
        """The one synonym a table spinner lists for ``lemma``: common ones are likelier (a table
        is written for readers), by the square root of their frequency."""
        lm = model()
        syns = sorted({s for s in self.fwd.get(lemma, ()) if lm.zipf(s) >= 3.5 and s != lemma})
        if not syns:
            return None
        return self.rng.choices(syns, weights=[10 ** (lm.zipf(s) / 2) for s in syns])[0]

    def table_spin(self, text: str, type_rate: float, miss_rate: float) -> Spun:
        """Spin ``text`` the way a spinner with a fixed table does: a share ``type_rate`` of the
        words (by lemma) get one synonym each, used wherever the word stands (re-inflected), except
        for a share ``miss_rate`` of its occurrences."""
        table: dict[str, str | None] = {}
        toks = tokenize(text)
        pieces, pos, gold, out_len = [], 0, {}, 0
        for t in toks:
            w = t.text
            if not (w.isalpha() and w.islower()):
                continue
            forms = inflected_forms(w)
            lemma, tag = forms[0] if forms else (w, None)
            if lemma not in table:
                table[lemma] = self.table_choice(lemma) if self.rng.random() < type_rate else None
            s = table[lemma]
            if s is None or self.rng.random() < miss_rate:
                continue
            new = inflect_term(s, tag) if tag else s
            if not new or new == w:
                continue
            chunk = text[pos:t.start]
            pieces.append(chunk)
            out_len += len(chunk)
            gold[out_len] = (out_len + len(new), w.lower())
            pieces.append(new)
            out_len += len(new)
            pos = t.end
        pieces.append(text[pos:])
        return Spun("".join(pieces), gold)

    def lexicon_choice(self, words: tuple[str, ...], boost: float) -> str | None:
        """A spun form of ``words`` at the spinner's own rate for them (times ``boost``), else None."""
        rate, options = self.reverse[words]
        if self.rng.random() >= min(1.0, rate * boost):
            return None
        spun, counts = zip(*options)
        return self.rng.choices(spun, weights=counts)[0]

    def spin(self, text: str, thesaurus_rate: float, lexicon_rate: float) -> Spun:
        toks = tokenize(text)
        pieces, pos, gold, out_len = [], 0, {}, 0
        i = 0
        while i < len(toks):
            new, n = None, 1
            if lexicon_rate:
                for n in range(min(self.max_len, len(toks) - i), 0, -1):
                    words = tuple(t.text.lower() for t in toks[i:i + n])
                    if words in self.reverse:
                        new = self.lexicon_choice(words, lexicon_rate)
                        if new is not None:
                            break
            if new is None:
                n = 1
                w = toks[i].text
                if thesaurus_rate and w.isalpha() and w.islower() and self.rng.random() < thesaurus_rate:
                    new = self.thesaurus_choice(w)
            if new is None or not all(t.text.islower() or not t.text.isalpha() for t in toks[i:i + n]):
                i += 1
                continue
            start, end = toks[i].start, toks[i + n - 1].end
            chunk = text[pos:start]
            pieces.append(chunk)
            out_len += len(chunk)
            gold[out_len] = (out_len + len(new), text[start:end].lower())
            pieces.append(new)
            out_len += len(new)
            pos = end
            i += n
        pieces.append(text[pos:])
        return Spun("".join(pieces), gold)


def reverse_lexicon(entries, originals: list[str]) -> dict[tuple[str, ...], tuple[float, list[tuple[str, int]]]]:
    """original wording -> (how often the spinner changed it, its spun forms with counts).

    The rate is the share of the original's occurrences in the dev originals that the spinner
    changed, so a word it rarely touched ("of", changed 3 times in 300) is rarely spun here."""
    by_orig: dict[str, list[tuple[str, int]]] = {}
    for e in entries:
        if not e.guard:
            by_orig.setdefault(e.original, []).append((e.spun, e.count))
    occurrences = count_occurrences(originals, by_orig)
    rev = {}
    for orig, spuns in by_orig.items():
        rate = min(1.0, sum(c for _, c in spuns) / max(occurrences[orig], 1))
        rev[tuple(t.text for t in tokenize(orig))] = (rate, spuns)
    return rev


def reverse_swaps(entries, rate: float) -> dict[tuple[str, ...], tuple[float, list[tuple[str, int]]]]:
    """original word -> (``rate``, the spun words a lexicon's reliable word swaps give it, with
    counts): the swaps seen at least twice and standing for their original at least half the time."""
    by_orig: dict[str, list[tuple[str, int]]] = {}
    for e in entries:
        if e.source == SWAP_SOURCE and e.count >= 2 and e.weight >= 0.5:
            by_orig.setdefault(e.original, []).append((e.spun, e.count))
    return {(orig,): (rate, spuns) for orig, spuns in by_orig.items()}


# ---------------------------------------------------------------- events
@dataclass
class Doc:
    kind: str  # spinbot / spinbot-clean / synthetic-* / clean
    text: str
    channel: Channel
    gold: dict[int, tuple[int, str]]  # span start -> (end, original wording, lower case)
    original: str = ""  # for reversal
    group: int = -1  # dev article index (leave-one-article-out), -1 for Wikipedia
    ev: spin.Evidence | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    owner: np.ndarray | None = None
    pick: np.ndarray | None = None
    words: int = 0
    fold: int = 0  # cross-fitting fold of a Wikipedia document (a dev document's is its article's)
    batch: int = 0  # 1: the table spinner's documents (and as many clean ones, --table-clean)


def alignment_gold(original: str, spun: str) -> dict[int, tuple[int, str]]:
    """Replace blocks of a token alignment, as spun span start -> (end, original wording)."""
    a = tokenize(spun)
    b = tokenize(original)
    sm = difflib.SequenceMatcher(None, [t.text.lower() for t in a], [t.text.lower() for t in b], autojunk=False)
    gold = {}
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "replace":
            gold[a[i1].start] = (a[i2 - 1].end, " ".join(t.text.lower() for t in b[j1:j2]))
    return gold


def _norm(text: str) -> str:
    return " ".join(t.text.lower() for t in tokenize(text))


def original_wording(text: str, gold: dict[int, tuple[int, str]], starts: list[int], start: int,
                     end: int) -> str | None:
    """What ``text[start:end]`` was before spinning (normalised), or None when a spun span crosses
    its edge or none lies inside it (then no candidate restores it). ``starts``: sorted gold starts."""
    k = bisect.bisect_right(starts, start) - 1
    if k >= 0 and gold[starts[k]][0] > start and starts[k] < start:
        return None  # a spun span begins before and runs into it
    pieces, pos, hit = [], start, False
    k = bisect.bisect_left(starts, start)
    while k < len(starts) and starts[k] < end:
        s, (e, orig) = starts[k], gold[starts[k]]
        if e > end:
            return None
        pieces += [text[pos:s], orig]
        pos, hit = e, True
        k += 1
    return _norm("".join(pieces + [text[pos:end]])) if hit else None


def prepare(doc: Doc) -> Doc:
    doc.ev = spin.evidence(doc.text, tokenize(doc.text), doc.channel)
    doc.X, doc.owner, doc.pick = spin.features(doc.ev)
    starts = sorted(doc.gold)
    y = np.zeros(len(doc.X))
    wording: dict[int, str | None] = {}
    for r, (i, k) in enumerate(zip(doc.owner.tolist(), doc.pick.tolist())):
        s = doc.ev.scored[i]
        if i not in wording:
            wording[i] = original_wording(doc.text, doc.gold, starts, s.start, s.end)
        y[r] = wording[i] is not None and _norm(s.cands[k]) == wording[i]
    doc.y = y
    doc.words = doc.ev.n_words
    return doc


# ---------------------------------------------------------------- model
def booster_for(X: np.ndarray, y: np.ndarray, names: tuple[str, ...], trees: int, seed: int):
    import lightgbm as lgb

    return lgb.train(
        {"monotone_constraints": [MONOTONE.get(n, 0) for n in names], "monotone_constraints_method": "advanced",
         "objective": "binary", "learning_rate": LEARNING_RATE, "num_leaves": NUM_LEAVES, "max_depth": MAX_DEPTH,
         "min_data_in_leaf": 40, "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1,
         "lambda_l2": 1.0, "verbose": -1, "seed": seed, "num_threads": 2, "deterministic": True,
         "force_row_wise": True},
        lgb.Dataset(X, y, feature_name=list(names)), num_boost_round=trees)


def fold_of(doc: Doc) -> int:
    """Cross-fitting fold of a training document: its dev article's, else its own (drawn at random)."""
    return (doc.group if doc.group >= 0 else doc.fold) % FOLDS


def fit(docs: list[Doc], trees: int, seed: int, stacked: bool = True) -> tuple[dict, DecisionModel]:
    """The decision model trained on ``docs``: its JSON (threshold still to set) and the model.

    Stacked, it has two stages. The first sees the FEATURES; the second also sees the gate that
    the first stage's probabilities make over the rest of the block and document. The first
    stage's probabilities for the second's training events are cross-fitted (FOLDS folds by
    document, a dev article's documents together), so the gate looks as it will on new text,
    not as it does on text the first stage has learned."""
    X = np.concatenate([d.X for d in docs])
    y = np.concatenate([d.y for d in docs])
    first = export(booster_for(X, y, spin.FEATURES, trees, seed), spin.FEATURES)
    if not stacked:
        return first, DecisionModel.from_json(first)
    folds = [fold_of(d) for d in docs]
    gate: list[np.ndarray | None] = [None] * len(docs)
    for f in range(FOLDS):
        rest = [k for k, fk in enumerate(folds) if fk != f]
        m = DecisionModel.from_json(export(booster_for(
            np.concatenate([docs[k].X for k in rest]), np.concatenate([docs[k].y for k in rest]),
            spin.FEATURES, trees, seed), spin.FEATURES))
        for k, fk in enumerate(folds):
            if fk == f:
                gate[k] = spin.gate_features(docs[k].ev, docs[k].owner, docs[k].pick, m.predict(docs[k].X))
    names = spin.FEATURES + spin.GATE_FEATURES
    second = export(booster_for(np.hstack([X, np.concatenate(gate)]), y, names, trees, seed), names)
    second["first"] = first
    return second, DecisionModel.from_json(second)


def export(booster, features: tuple[str, ...], threshold: float = 0.5) -> dict:
    """LightGBM's model as repair/decide.py's portable JSON (flat node lists per tree)."""
    trees = []
    for t in booster.dump_model()["tree_info"]:
        nodes: dict[str, list] = {k: [] for k in ("feature", "threshold", "left", "right", "value")}
        _flatten(t["tree_structure"], nodes)
        trees.append(nodes)
    out = {"kind": "trees", "features": list(features), "threshold": threshold, "base": 0.0, "trees": trees}
    out["feature_gain_share"] = _gain_shares(booster, features)
    return out


def _gain_shares(booster, features: tuple[str, ...]) -> dict[str, float]:
    gain = booster.feature_importance("gain")
    return {f: round(float(g / gain.sum()), 4) for f, g in zip(features, gain)}


def _flatten(node: dict, nodes: dict[str, list]) -> int:
    """Append ``node`` and its subtree to the node lists (pre-order); returns its index."""
    k = len(nodes["feature"])
    for column in nodes.values():
        column.append(0)
    if "leaf_value" in node:
        nodes["feature"][k] = -1
        nodes["value"][k] = round(float(node["leaf_value"]), 7)
        return k
    if node["decision_type"] != "<=":
        raise ValueError(f"unsupported split {node['decision_type']}")
    nodes["feature"][k] = int(node["split_feature"])
    nodes["threshold"][k] = float(node["threshold"])
    nodes["left"][k] = _flatten(node["left_child"], nodes)
    nodes["right"][k] = _flatten(node["right_child"], nodes)
    return k


def apply(decision: DecisionModel, doc: Doc, threshold: float) -> list:
    p = spin.event_probabilities(doc.ev, decision, doc.X, doc.owner, doc.pick)
    spin.set_posteriors(doc.ev, doc.owner, doc.pick, p)
    return spin.decisions(doc.ev, floor=threshold)


def gated(decision: DecisionModel, doc: Doc, threshold: float, spun_score: float, spun_threshold: float):
    """The document gate's rule: the changes at ``threshold``, or at ``spun_threshold`` when the
    document's spin score is at least ``spun_score`` (repair/pipeline.py: Options.threshold); and
    the score."""
    apply(decision, doc, threshold)
    score = spin.spin_score(doc.ev)
    return spin.decisions(doc.ev, floor=min(threshold, spun_threshold) if score >= spun_score else threshold), score


def tally(decision: DecisionModel, docs: list[Doc], threshold: float) -> dict:
    ok = wrong = false = n_gold = words = before = after = 0
    for d in docs:
        changes = apply(decision, d, threshold)
        n_gold += len(d.gold)
        words += d.words
        starts = sorted(d.gold)
        for c in changes:
            want = original_wording(d.text, d.gold, starts, c.start, c.end)
            if want is None:  # on clean wording (or only part of a spun span): a false edit
                false += 1
            elif _norm(c.new) == want:
                ok += 1
            else:
                wrong += 1
        if d.original:
            o = words_of(d.original)
            before += edit_distance(words_of(d.text), o)
            after += edit_distance(words_of(apply_changes(d.text, changes)), o)
    out = {"restored": round(ok / max(n_gold, 1), 4), "wrong": wrong, "false": false,
               "false_per_1k": round(1000 * false / max(words, 1), 3)}
    if before:
        out["reversal"] = round(1 - after / before, 4)
    return out


def words_of(text: str) -> list[str]:
    return [t.text.lower() for t in tokenize(text)]


def edit_distance(a: list[str], b: list[str]) -> int:
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    dist = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            dist += max(i2 - i1, j2 - j1)
    return dist


# ---------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--docs", type=int, default=800, help="Wikipedia documents of 4 held-out paragraphs")
    ap.add_argument("--table-docs", type=int, default=200,
                    help="more Wikipedia documents of 4 held-out paragraphs, spun by a synthetic table spinner")
    ap.add_argument("--table-clean", action="store_true",
                    help="every other one of the --table-docs left clean")
    ap.add_argument("--swap-rate", type=float, default=0.0,
                    help="the lexicon spinner also swaps words as the bundled word swaps do (run backwards), "
                         "at this rate an occurrence")
    ap.add_argument("--trees", type=int, default=150)
    ap.add_argument("--drop", type=lambda v: [x for x in v.split(",") if x], default=[],
                    help="features to leave out (comma-separated names), for ablations")
    ap.add_argument("--select-clean", type=int, default=300,
                    help="more held-out clean documents, only for choosing the threshold")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spun-score", type=float, default=0.05,
                    help="the document gate: a document whose spin score is at least this gets --spun-threshold "
                         "(chosen above every clean held-out document's score, Wikipedia and Wikinews; "
                         "lexicons/README.md)")
    ap.add_argument("--spun-threshold", type=float, default=0.4, help="see --spun-score")
    ap.add_argument("--one-stage", action="store_true",
                    help="no second stage (the first stage's document gate), for ablations")
    ap.add_argument("--max-false", type=float, default=0.05,
                    help="false edits per 1k held-out clean Wikipedia words allowed: a quarter of the 0.2 aimed at on "
                         "news, because the n-gram tables are Wikipedia and news, each article on its own, got 4-6x "
                         "more false edits per word than this held-out Wikipedia at every threshold measured")
    ap.add_argument("--out", type=Path, default=ROOT / "lexicons" / "spin_model.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.time()

    def say(msg: str) -> None:
        print(f"[{time.time() - t0:5.0f}s] {msg}", file=sys.stderr, flush=True)

    tortured = other_lexicons()
    articles = dev_articles(args.shared / "data" / "spinbot_dev.jsonl")
    all_pairs = [Pair(r["original"], r["spun"]) for art in articles for r in art]
    # the shipped lexicon (scripts/build_lexicons.py: learn() on every pair, chains resolved), and per
    # article the same recipe without that article
    full_lexicon = read_lexicon(ROOT / "lexicons" / "spinbot.tsv")
    say(f"{len(articles)} dev articles, full lexicon {len(full_lexicon)} entries")

    docs: list[Doc] = []
    for g, art in enumerate(articles):
        channel = unseen_channel(articles, g, tortured)
        spun_text = join([r["spun"] for r in art])
        orig_text = join([r["original"] for r in art])
        docs.append(Doc("spinbot", spun_text, channel, alignment_gold(orig_text, spun_text), orig_text, g))
        docs.append(Doc("spinbot-clean", orig_text, channel, {}, group=g))
    every = int(load_npz("ngrams.npz")["holdout_every"][0])  # the paragraphs the tables never counted
    paras = heldout(args.shared, every, 4 * (args.docs + args.select_clean + args.table_docs))
    table_paras = paras[4 * (args.docs + args.select_clean):]
    select_only = [join(paras[k:k + 4]) for k in range(4 * args.docs, 4 * (args.docs + args.select_clean) - 3, 4)]
    paras = paras[:4 * args.docs]
    reverse = reverse_lexicon(full_lexicon, [p.original for p in all_pairs])
    if args.swap_rate:  # the SpinBot lexicon's own wording first
        reverse = {**reverse_swaps(tortured, args.swap_rate), **reverse}
    spinner = Spinner(forward_map(), reverse, rng)
    runtime_channel = Channel([Lexicon(full_lexicon + tortured)])
    for k in range(0, len(paras) - 3, 4):
        text = join(paras[k:k + 4])
        kind = ("synthetic-thesaurus", "synthetic-lexicon", "synthetic-both", "clean")[(k // 4) % 4]
        if kind == "clean":
            docs.append(Doc(kind, text, runtime_channel, {}))
            continue
        s = spinner.spin(text, 0.15 if kind != "synthetic-lexicon" else 0.0, 1.0 if kind != "synthetic-thesaurus" else 0.0)
        docs.append(Doc(kind, s.text, runtime_channel, s.gold, text))
    n_first = len(docs)
    for k in range(0, len(table_paras) - 3, 4):
        text = join(table_paras[k:k + 4])
        if args.table_clean and (k // 4) % 2:
            docs.append(Doc("clean", text, runtime_channel, {}))
            continue
        s = spinner.table_spin(text, TABLE_TYPE_RATE, TABLE_MISS_RATE)
        docs.append(Doc("synthetic-table", s.text, runtime_channel, s.gold, text))
    for d in docs[n_first:]:
        d.batch = 1
    docs += [Doc("select-clean", text, runtime_channel, {}) for text in select_only]
    folds = random.Random(args.seed + 1)  # its own generator: the spins above do not depend on it
    for d in docs:
        d.fold = folds.randrange(FOLDS)
    for d in docs:
        prepare(d)
        for name in args.drop:
            d.X[:, spin.FEATURES.index(name)] = 0.0  # a constant column: no tree splits on it
    say(f"{len(docs)} documents, {sum(len(d.y) for d in docs):,} events "
        f"({int(sum(d.y.sum() for d in docs)):,} positive)")

    train_wiki, select_wiki = [], []
    for batch in (0, 1):  # each batch of Wikipedia documents: 3/4 to train on, 1/4 to select with
        wiki = [d for d in docs if d.group < 0 and d.kind != "select-clean" and d.batch == batch]
        cut = len(wiki) * 3 // 4
        train_wiki += wiki[:cut]
        select_wiki += wiki[cut:]
    dev = [d for d in docs if d.group >= 0]

    # leave one article out: lexicon (already) and model without the article
    loo_rows = {thr: [] for thr in THRESHOLDS}
    for g in range(len(articles)):
        train = train_wiki + [d for d in dev if d.group != g]
        _, m = fit(train, args.trees, args.seed, stacked=not args.one_stage)
        for thr in THRESHOLDS:
            loo_rows[thr].append((m, [d for d in dev if d.group == g]))
    final_json, final = fit(train_wiki + dev, args.trees, args.seed, stacked=not args.one_stage)
    say("trained")

    table = []
    for thr in THRESHOLDS:
        sel_clean = tally(final, [d for d in docs if d.kind == "select-clean"]
                          + [d for d in select_wiki if d.kind == "clean"], thr)
        sel_spun = tally(final, [d for d in select_wiki if d.kind.startswith("synthetic")
                                 and d.kind != "synthetic-table"], thr)
        by_kind = {k: tally(final, [d for d in select_wiki if d.kind == k], thr)["restored"]
                   for k in ("synthetic-thesaurus", "synthetic-lexicon", "synthetic-both", "synthetic-table")}
        spun_docs = [(m, [d for d in ds if d.kind == "spinbot"]) for m, ds in loo_rows[thr]]
        clean_docs = [(m, [d for d in ds if d.kind == "spinbot-clean"]) for m, ds in loo_rows[thr]]
        before = after = 0
        for m, ds in spun_docs:
            for d in ds:
                changes = apply(m, d, thr)
                o = words_of(d.original)
                before += edit_distance(words_of(d.text), o)
                after += edit_distance(words_of(apply_changes(d.text, changes)), o)
        dev_false = sum(len(apply(m, d, thr)) for m, ds in clean_docs for d in ds)
        dev_words = sum(d.words for _, ds in clean_docs for d in ds)
        row = dict(threshold=thr, clean_false_per_1k=sel_clean["false_per_1k"],
                   synthetic_restored=sel_spun["restored"], synthetic_false_per_1k=sel_spun["false_per_1k"],
                   **{k.replace("synthetic-", "restored_"): v for k, v in by_kind.items()},
                   spinbot_unseen_reversal=round(1 - after / max(before, 1), 4),
                   spinbot_originals_false_per_1k=round(1000 * dev_false / max(dev_words, 1), 3))
        table.append(row)
        say(str(row))
    ok_rows = [r for r in table if r["clean_false_per_1k"] <= args.max_false]
    chosen = ok_rows[0] if ok_rows else table[-1]
    gate = gate_figures(args, chosen["threshold"], final, loo_rows[chosen["threshold"]],
                        [d for d in docs if d.kind == "select-clean"] + [d for d in select_wiki if d.kind == "clean"])
    say(f"document gate: {gate}")
    out = export_final(final_json, args, chosen, table, train_wiki + dev, gate)
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    say(f"chosen threshold {chosen['threshold']}; wrote {args.out} ({args.out.stat().st_size // 1024} kB)")


def gate_figures(args, threshold: float, final: DecisionModel, loo: list, clean: list[Doc]) -> dict:
    """What the document gate's rule (--spun-score, --spun-threshold) does at the chosen threshold:
    the spin scores of the unseen SpinBot articles (leave one out) and their reversal under the
    rule, and the highest score and false edits of the held-out clean documents."""
    before = after = 0
    scores = []
    for m, ds in loo:
        for d in ds:
            if d.kind != "spinbot":
                continue
            changes, score = gated(m, d, threshold, args.spun_score, args.spun_threshold)
            scores.append(round(score, 4))
            o = words_of(d.original)
            before += edit_distance(words_of(d.text), o)
            after += edit_distance(words_of(apply_changes(d.text, changes)), o)
    false = words = 0
    clean_scores = []
    for d in clean:
        changes, score = gated(final, d, threshold, args.spun_score, args.spun_threshold)
        false += len(changes)
        words += d.words
        clean_scores.append(score)
    return {"spinbot_unseen_scores": scores, "spinbot_unseen_reversal": round(1 - after / max(before, 1), 4),
            "clean_max_score": round(max(clean_scores, default=0.0), 4),
            "clean_false_per_1k": round(1000 * false / max(words, 1), 3)}


def export_final(model: dict, args, chosen: dict, table: list, train: list[Doc], gate: dict) -> dict:
    out = {}
    for key, value in model.items():
        out[key] = value
        if key == "threshold":
            out["threshold"] = chosen["threshold"]
            out["spun_document"] = {"score": args.spun_score, "threshold": args.spun_threshold}
    out["about"] = ("Decision model of repair's spin scorer: P(candidate is the original | evidence), as "
                    "gradient-boosted trees in two stages (the first stage's probabilities over the rest of the "
                    "block and document are the second stage's gate). Trained by scripts/train_spin.py on the "
                    "SpinBot dev pairs (lexicon cross-fitted by article) and on held-out English Wikipedia "
                    "paragraphs (every 100th corpus paragraph, never counted in the n-gram tables), spun "
                    "synthetically or left clean. Threshold: the lowest with at most --max-false false edits per "
                    "1k words on held-out clean Wikipedia documents never trained on. spun_document: a text whose "
                    "spin score (expected spun words per word) is at least its score gets its lower threshold (the "
                    "document gate; set by hand, see lexicons/README.md).")
    out["training"] = {
        "events": int(sum(len(d.y) for d in train)), "positives": int(sum(d.y.sum() for d in train)),
        "documents": len(train), "trees": args.trees, "seed": args.seed, "max_false_per_1k": args.max_false,
        "stages": 1 if args.one_stage else 2, "selection_table": table, "document_gate": gate,
    }
    return out


if __name__ == "__main__":
    main()

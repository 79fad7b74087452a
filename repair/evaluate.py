"""``repair eval``: how well the engine undoes a spinner, measured on aligned pairs.

Input is JSONL, one ``{"original": ..., "spun": ...}`` object a line, read by
:func:`repair.learn.parse_jsonl` (the reader ``repair learn`` uses; :class:`Pair`
is :class:`repair.learn.Pair`).  The design:

* **One engine pass per pair.**  The engine is a function ``text -> list[Change]``
  returning every scored, non-overlapping suggestion (by default
  ``repair.fix_and_explain(spun, min_confidence=0.0).suggestions``).  The repair
  at threshold *t* is ``apply_changes(spun, [c for c in suggestions if
  c.confidence >= t])``, so a single pass serves every threshold.  Tests inject
  a fake engine and never load the tables.
* **The document score**, with a scorer (``repair eval`` uses the engine's
  ``spin_score``, what ``check --score`` prints): each spun text's and each
  original's, and the ROC AUC between them over the pairs the spinner changed
  (a pair left unchanged has no spun text to tell apart).  The originals take
  one more engine pass each.
* **Tokens.**  Texts are compared as ``repair.tokens`` tokens (words, numbers,
  punctuation), NFKC-normalised, with the curly apostrophe straightened and case
  folded.  "Words" (for rates per 1,000 words) are the tokens that start with a
  letter or digit.
* **Reversal** = 1 - Σ dist(repaired, original) / Σ dist(spun, original) over
  all pairs, where dist is the token-level Levenshtein distance: the share of the
  spinner's token edits undone; negative when the repair makes things worse.
* **Edit precision and recall.**  The spun tokens are aligned to the original
  ones with :mod:`difflib` (through :func:`repair.learn.token_opcodes`, which
  splits the long or repetitive pairs SequenceMatcher would take minutes over).
  ``equal`` blocks and equal-length ``replace`` blocks map token by token; every other block (``replace`` of unequal length,
  ``insert``, ``delete``) only as a whole, so a change touching one is judged on
  the whole block.  Each suggestion is judged once, independent of thresholds:

  - *false*: the spinner left its region alone (an edit on clean text);
  - *correct*: its region was spun and the change restores the original tokens
    there exactly;
  - *wrong*: its region was spun and the change does not restore it.

  Precision = correct / applied.  Spinner edits are the ``replace`` blocks of
  the alignment; one is *restored* when correct changes cover all of it, and
  recall = restored / spinner edits (equal to correct changes / spinner edits
  when each change restores one block, and never above 1).
* **Where recall is lost.**  Each spinner edit is put at the first of
  :data:`STAGES` that holds for it under the default rule: restored; right
  but below the threshold; right wording ranked lower among a change's
  candidates (each candidate is judged as the change would be); partly
  restored; no candidate restores it; no change touches it.
"""
from __future__ import annotations

import os
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from .changes import Change, apply_changes
from .learn import Pair, parse_jsonl, token_opcodes
from .textio import InputError, display_name, read_text
from .tokens import tokenize

__all__ = [
    "DEFAULT_GRID",
    "Counts",
    "Engine",
    "InputError",
    "Pair",
    "PairRun",
    "PlotUnavailable",
    "Report",
    "Row",
    "STAGES",
    "build_report",
    "default_engine",
    "edit_stages",
    "lost_edits",
    "Lost",
    "one_pass",
    "real_engine",
    "evaluate",
    "judge",
    "levenshtein",
    "norm_tokens",
    "parse_pairs",
    "plot_curve",
    "read_pairs",
    "render_text",
    "roc_auc",
    "require_matplotlib",
    "run_pairs",
]

Engine = Callable[[str], list[Change]]
Scorer = Callable[[str], float]
DEFAULT_GRID = tuple(round(k / 10, 1) for k in range(1, 10))  # 0.1 ... 0.9
PLOT_HINT = 'pip install "repair[plot]"'

CORRECT, WRONG, FALSE = "correct", "wrong", "false"


# --------------------------------------------------------------------- tokens, distance

def _norm(token: str) -> str:
    return unicodedata.normalize("NFKC", token).replace("\u2019", "'").casefold()


def norm_tokens(text: str) -> list[str]:
    """The compared form of ``text``: normalised, case-folded tokens."""
    return [_norm(t.text) for t in tokenize(text)]


def _word_count(tokens: Iterable[str]) -> int:
    return sum(1 for t in tokens if t[:1].isalnum())


def levenshtein(a: Sequence[str], b: Sequence[str]) -> int:
    """Token-level edit distance (insert, delete, substitute: cost 1 each).

    Common prefix and suffix are dropped first; the rest is a dynamic programme
    vectorised one row at a time, so 1,000-token paragraphs take milliseconds.
    """
    a, b = _trim_common(list(a), list(b))
    if not a or not b:
        return len(a) + len(b)
    if len(a) > len(b):  # loop over the shorter sequence, vectorise over the longer
        a, b = b, a
    ids: dict[str, int] = {}
    x = [ids.setdefault(t, len(ids)) for t in a]
    y = np.array([ids.setdefault(t, len(ids)) for t in b])
    idx = np.arange(len(y) + 1)
    prev = idx.copy()
    for i, xi in enumerate(x, 1):
        row = np.empty_like(prev)
        row[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (y != xi), out=row[1:])
        # insertions within the row: cur[j] = min over k <= j of row[k] + (j - k)
        prev = np.minimum.accumulate(row - idx) + idx
    return int(prev[-1])


def _trim_common(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    lo = 0
    while lo < len(a) and lo < len(b) and a[lo] == b[lo]:
        lo += 1
    hi = 0
    while hi < len(a) - lo and hi < len(b) - lo and a[-1 - hi] == b[-1 - hi]:
        hi += 1
    return a[lo:len(a) - hi], b[lo:len(b) - hi]


# --------------------------------------------------------------------- input

def read_pairs(path: str, limit: int | None = None) -> list[Pair]:
    """Read a JSONL file of pairs (``"-"``: standard input), at most ``limit`` of them.

    The lines are parsed by :func:`repair.learn.parse_jsonl`, the reader ``repair
    learn`` uses; every problem is an :class:`InputError` naming the line.
    """
    return parse_pairs(read_text(path), display_name(path), limit)


def parse_pairs(data: str, name: str, limit: int | None = None) -> list[Pair]:
    """Pairs from JSONL text; see :func:`repair.learn.parse_jsonl`."""
    return parse_jsonl(data, name, limit)


# --------------------------------------------------------------------- engine pass

def default_engine(text: str, lexicons: tuple[str, ...] = ()) -> list[Change]:
    """Every suggestion of the real engine (tables load on the first call), with any user lexicons."""
    from .pipeline import fix_and_explain

    return list(fix_and_explain(text, min_confidence=0.0, lexicons=lexicons).suggestions)


def real_engine(lexicons: tuple[str, ...] = ()) -> tuple[Engine, Scorer]:
    """The real engine (as :func:`default_engine`) and its document spin score (``repair check
    --score``), sharing one pass when asked about the same text one after the other."""
    from .pipeline import fix_and_explain

    def run(text: str) -> tuple[list[Change], float]:
        result = fix_and_explain(text, min_confidence=0.0, lexicons=lexicons)
        return list(result.suggestions), result.spin_score

    return one_pass(run)


def one_pass(run: Callable[[str], tuple[list[Change], float]]) -> tuple[Engine, Scorer]:
    """An engine and a scorer from one function giving a text's suggestions and spin score: asked
    about the same text one after the other (as :func:`run_pairs` asks), they share one call."""
    last: list = [None, None]  # the text last run, and its result

    def cached(text: str) -> tuple[list[Change], float]:
        if last[0] != text:
            last[:] = [text, run(text)]
        return last[1]

    return (lambda text: list(cached(text)[0])), (lambda text: cached(text)[1])


@dataclass(frozen=True)
class Judged:
    change: Change
    verdict: str  # CORRECT, WRONG or FALSE
    span: tuple[int, int]  # spun-token range the verdict covers (whole blocks where needed)
    ranked_lower: bool = False  # a candidate after the first (in ``change.candidates``) would be CORRECT


@dataclass
class PairRun:
    """One pair after its engine pass: the suggestions, judged, and what to measure against."""
    pair: Pair
    original: list[str]
    spun: list[str]
    judged: list[Judged]
    edits: list[tuple[int, int]]  # spun-token ranges of the spinner's replace blocks
    dist_spun: int
    words: int
    scores: tuple[float, float] | None = None  # document spin scores of (spun, original), when measured
    edit_texts: list[tuple[str, str]] = field(default_factory=list)  # per edit: (spun, original) as written


def run_pairs(pairs: Sequence[Pair], engine: Engine = default_engine,
              on_pair: Callable[[], None] | None = None, scorer: Scorer | None = None) -> list[PairRun]:
    """Run the engine once per pair and judge its suggestions; with ``scorer``, also take the
    document score of the spun text and of the original."""
    runs = []
    for pair in pairs:
        run = judge(pair, engine(pair.spun))
        if scorer is not None:
            run.scores = (scorer(pair.spun), scorer(pair.original))
        runs.append(run)
        if on_pair is not None:
            on_pair()
    return runs


def roc_auc(positive: Sequence[float], negative: Sequence[float]) -> float | None:
    """The probability that a positive scores above a negative (ties count half): the area
    under the ROC curve. None without both."""
    if not positive or not negative:
        return None
    pos, neg = np.asarray(positive, dtype=float), np.sort(np.asarray(negative, dtype=float))
    below = np.searchsorted(neg, pos, side="left")
    ties = np.searchsorted(neg, pos, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(pos) * len(neg)))


def judge(pair: Pair, suggestions: Sequence[Change]) -> PairRun:
    original_toks, spun_toks = tokenize(pair.original), tokenize(pair.spun)
    original, spun = [_norm(t.text) for t in original_toks], [_norm(t.text) for t in spun_toks]
    aligner = _Alignment(spun, original)
    starts, ends = [t.start for t in spun_toks], [t.end for t in spun_toks]
    judged = []
    for change in sorted(suggestions, key=lambda c: (c.start, c.end)):
        i1, i2 = _token_range(starts, ends, change)
        region = aligner.region(i1, i2)
        verdict = aligner.verdict(region, i1, i2, _new_tokens(pair.spun, spun_toks, i1, i2, change.new, change))
        lower = verdict != FALSE and any(
            aligner.verdict(region, i1, i2, _new_tokens(pair.spun, spun_toks, i1, i2, c.text, change)) == CORRECT
            for c in change.candidates if c.text != change.new)
        judged.append(Judged(change, verdict, (region[0], region[1]), lower))
    blocks = aligner.replace_blocks()
    texts = [(_slice(pair.spun, spun_toks, a1, a2), _slice(pair.original, original_toks, b1, b2))
             for a1, a2, b1, b2 in blocks]
    return PairRun(pair, original, spun, judged, [(a1, a2) for a1, a2, _, _ in blocks],
                   levenshtein(spun, original), _word_count(original), edit_texts=texts)


def _slice(text: str, toks, i1: int, i2: int) -> str:
    """The text of tokens [i1, i2), as written (what lies between them included)."""
    return text[toks[i1].start:toks[i2 - 1].end] if i1 < i2 else ""


def _token_range(starts: list[int], ends: list[int], change: Change) -> tuple[int, int]:
    """Indices of the spun tokens the change overlaps (empty range at its position if none)."""
    i1 = bisect_right(ends, change.start)
    i2 = bisect_left(starts, change.end) if change.end > change.start else i1
    return i1, max(i1, i2)


def _new_tokens(text: str, toks, i1: int, i2: int, new: str, change: Change) -> list[str]:
    """The tokens standing at [i1, i2) after the change's place is given ``new`` (whole tokens,
    even if the change cut one)."""
    lo = min(toks[i1].start, change.start) if i1 < i2 else change.start
    hi = max(toks[i2 - 1].end, change.end) if i1 < i2 else change.end
    return norm_tokens(text[lo:change.start] + new + text[change.end:hi])


class _Alignment:
    """difflib's alignment of spun to original tokens, with span mapping."""

    def __init__(self, spun: list[str], original: list[str]):
        self.spun, self.original = spun, original
        self.ops = token_opcodes(spun, original)  # SequenceMatcher's, split when too slow

    @staticmethod
    def _positional(op) -> bool:
        tag, a1, a2, b1, b2 = op
        return tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1)

    def _start(self, i: int) -> tuple[int, int]:
        """(spun, original) positions where a span starting at spun token i begins."""
        for op in self.ops:
            _, a1, a2, b1, _ = op
            if a1 <= i < a2:
                return (i, b1 + i - a1) if self._positional(op) else (a1, b1)
        return len(self.spun), len(self.original)

    def _end(self, i: int) -> tuple[int, int]:
        """(spun, original) positions where a span ending before spun token i ends."""
        for op in self.ops:
            _, a1, a2, b1, b2 = op
            if a1 < i <= a2:
                return (i, b1 + i - a1) if self._positional(op) else (a2, b2)
        return 0, 0

    def region(self, i1: int, i2: int) -> tuple[int, int, int, int]:
        """(e1, e2, j1, j2): the spun tokens [e1, e2) a change of spun tokens [i1, i2) is judged
        on (whole blocks where needed) and the original tokens [j1, j2) they stand for."""
        if i1 < i2:
            (e1, j1), (e2, j2) = self._start(i1), self._end(i2)
            return e1, e2, j1, j2
        # a pure insertion: the gap it fills, and the whole block if it falls in one
        (ea, ja), (eb, jb) = self._end(i1), self._start(i1)
        return min(ea, eb), max(ea, eb), min(ja, jb), max(ja, jb)

    def verdict(self, region: tuple[int, int, int, int], i1: int, i2: int, new: list[str]) -> str:
        """FALSE when the spinner left the region alone, else CORRECT when ``new`` standing for
        spun tokens [i1, i2) restores the region's original tokens exactly, else WRONG."""
        e1, e2, j1, j2 = region
        target = self.original[j1:j2]
        if self.spun[e1:e2] == target:
            return FALSE
        return CORRECT if self.spun[e1:i1] + new + self.spun[i2:e2] == target else WRONG

    def replace_blocks(self) -> list[tuple[int, int, int, int]]:
        """(a1, a2, b1, b2) of each replace block: spun tokens [a1, a2) stand for original [b1, b2)."""
        return [(a1, a2, b1, b2) for tag, a1, a2, b1, b2 in self.ops if tag == "replace"]


# --------------------------------------------------------------------- counting

@dataclass
class Counts:
    applied: int = 0
    correct: int = 0
    wrong: int = 0
    false: int = 0
    restored: int = 0  # spinner edits fully covered by correct changes

    def add(self, other: Counts) -> None:
        for name in ("applied", "correct", "wrong", "false", "restored"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


@dataclass
class Row:
    """The figures at one threshold."""
    threshold: float
    is_default: bool
    counts: Counts
    dist_repaired: int
    edits: int
    dist_spun: int
    words: int

    @property
    def precision(self) -> float | None:
        return _ratio(self.counts.correct, self.counts.applied)

    @property
    def recall(self) -> float | None:
        return _ratio(self.counts.restored, self.edits)

    @property
    def false_per_1k(self) -> float | None:
        return _ratio(1000 * self.counts.false, self.words)

    @property
    def reversal(self) -> float | None:
        return None if not self.dist_spun else 1 - self.dist_repaired / self.dist_spun

    def to_dict(self) -> dict:
        c = self.counts
        return {"threshold": self.threshold, "default": self.is_default, "applied": c.applied,
                "correct": c.correct, "wrong": c.wrong, "false_edits": c.false,
                "restored_edits": c.restored, "precision": _round(self.precision),
                "recall": _round(self.recall), "false_per_1k_words": _round(self.false_per_1k),
                "dist_repaired": self.dist_repaired, "reversal": _round(self.reversal)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _applied(run: PairRun, t: float) -> list[Judged]:
    return [j for j in run.judged if j.change.confidence >= t]


def _counts(run: PairRun, applied: list[Judged]) -> Counts:
    c = Counts(applied=len(applied))
    covered: set[int] = set()
    for j in applied:
        setattr(c, j.verdict, getattr(c, j.verdict) + 1)
        if j.verdict == CORRECT:
            covered.update(range(*j.span))
    c.restored = sum(1 for a1, a2 in run.edits if covered.issuperset(range(a1, a2)))
    return c


def _dist_repaired(run: PairRun, applied: list[Judged]) -> int:
    if not applied:
        return run.dist_spun
    repaired = apply_changes(run.pair.spun, [j.change for j in applied])
    return levenshtein(norm_tokens(repaired), run.original)


def _row(runs: Sequence[PairRun], t: float, default: float, gate=None) -> Row:
    """The figures at threshold ``t``; with ``gate`` (a spin score -> threshold function, as
    pipeline.Options.threshold) each pair at the threshold its spun text's score gives."""
    total, dist = Counts(), 0
    for run in runs:
        applied = _applied(run, t if gate is None else gate(run.scores[0]))
        total.add(_counts(run, applied))
        dist += _dist_repaired(run, applied)
    return Row(t, gate is None and _same(t, default), total, dist, sum(len(r.edits) for r in runs),
               sum(r.dist_spun for r in runs), sum(r.words for r in runs))


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _rules(runs: Sequence[PairRun], t: float) -> dict[str, Counts]:
    rules: dict[str, Counts] = {}
    for run in runs:
        for j in _applied(run, t):
            c = rules.setdefault(j.change.rule or "(none)", Counts())
            c.applied += 1
            setattr(c, j.verdict, getattr(c, j.verdict) + 1)
    return dict(sorted(rules.items(), key=lambda kv: (-kv[1].applied, kv[0])))


# --------------------------------------------------------------------- where the spinner's edits stand

# Each spinner edit (a replace block of the alignment) in the first of these stages that holds
# for it: the stage where its restoration was lost, or "restored". Together they say whether
# recall is lost to finding a place, to the candidates, to their ranking or to the threshold.
STAGES = (
    ("restored", "restored", "correct changes at the threshold cover it"),
    ("below_threshold", "right, below the threshold", "correct changes would cover it, at lower confidence"),
    ("ranked_lower", "right, ranked lower", "a change there lists the right wording after its first"),
    ("partly_restored", "partly restored", "a correct change covers part of it"),
    ("not_a_candidate", "not among the candidates", "changes touch it; no candidate they list restores it"),
    ("no_suggestion", "no suggestion", "no change touches it"),
)


@dataclass(frozen=True)
class Lost:
    """A spinner edit that was not restored: where it stands, and what the engine suggested there."""
    stage: str  # a name of STAGES, not "restored"
    line: int  # the pair's line in its JSONL file (0 when it came from elsewhere)
    spun: str
    original: str
    suggested: tuple[tuple[str, str, float], ...]  # (old, new, confidence) of each change touching it

    def to_dict(self) -> dict:
        return {"stage": self.stage, "line": self.line, "spun": self.spun, "original": self.original,
                "suggested": [{"old": o, "new": n, "confidence": round(c, 4)} for o, n, c in self.suggested]}


def edit_stages(runs: Sequence[PairRun], threshold_of: Callable[[PairRun], float]) -> dict[str, int]:
    """How many of the spinner's edits stand at each of ``STAGES``, each run's changes applied
    at ``threshold_of(run)``. "restored" counts what :class:`Row`'s ``restored`` counts."""
    out = dict.fromkeys((name for name, _, _ in STAGES), 0)
    for _, stage, _, _ in _staged(runs, threshold_of):
        out[stage] += 1
    return out


def lost_edits(runs: Sequence[PairRun], threshold_of: Callable[[PairRun], float], per_stage: int) -> list[Lost]:
    """The first ``per_stage`` unrestored spinner edits of each stage (in the order of the pairs),
    stage by stage in the order of ``STAGES``."""
    found: dict[str, list[Lost]] = {name: [] for name, _, _ in STAGES if name != "restored"}
    for run, stage, k, touching in _staged(runs, threshold_of):
        if stage == "restored" or len(found[stage]) >= per_stage:
            continue
        said = tuple((j.change.old, j.change.new, j.change.confidence) for j in touching)
        spun, original = run.edit_texts[k] if run.edit_texts else ("", "")
        found[stage].append(Lost(stage, run.pair.line, spun, original, said))
    return [x for lost in found.values() for x in lost]


def _staged(runs: Sequence[PairRun], threshold_of: Callable[[PairRun], float]
            ) -> Iterator[tuple[PairRun, str, int, list[Judged]]]:
    """(run, stage, index into run.edits, the judged changes touching the edit) of every spinner edit."""
    for run in runs:
        t = threshold_of(run)
        at: set[int] = set()
        anywhere: set[int] = set()
        over: dict[int, list[int]] = {}  # spun token -> the judged changes whose span covers it
        for n, j in enumerate(run.judged):
            for tok in range(*j.span):
                over.setdefault(tok, []).append(n)
            if j.verdict == CORRECT:
                anywhere.update(range(*j.span))
                if j.change.confidence >= t:
                    at.update(range(*j.span))
        for k, (a1, a2) in enumerate(run.edits):
            block = range(a1, a2)
            touching = [run.judged[n] for n in sorted({n for tok in block for n in over.get(tok, ())})]
            if at.issuperset(block):
                stage = "restored"
            elif anywhere.issuperset(block):
                stage = "below_threshold"
            elif any(j.ranked_lower for j in touching):
                stage = "ranked_lower"
            elif any(j.verdict == CORRECT for j in touching):
                stage = "partly_restored"
            elif touching:
                stage = "not_a_candidate"
            else:
                stage = "no_suggestion"
            yield run, stage, k, touching


# --------------------------------------------------------------------- the report

@dataclass
class Report:
    source: str
    pairs: int
    words: int
    tokens: int
    edits: int
    dist_spun: int
    default_threshold: float
    rows: list[Row]
    rules: dict[str, Counts]
    seconds: float = 0.0
    score_auc: float | None = None  # the document score separating spun texts from originals (ROC AUC)
    score_pairs: int = 0  # the pairs it is measured on: those the spinner changed
    gated: Row | None = None  # the engine's default rule: each pair at its spun text's threshold (the gate's)
    stages: dict[str, int] | None = None  # the spinner's edits by STAGES, under the rule ``stages_rule`` names
    stages_rule: str = ""
    lost: list[Lost] = field(default_factory=list)  # examples of unrestored edits, per stage (``examples``)

    @property
    def default_row(self) -> Row | None:
        return next((r for r in self.rows if r.is_default), None)

    def to_dict(self) -> dict:
        return {"source": self.source, "pairs": self.pairs, "words": self.words,
                "tokens": self.tokens, "spinner_edits": self.edits, "dist_spun": self.dist_spun,
                "default_threshold": self.default_threshold, "seconds": round(self.seconds, 2),
                "thresholds": [r.to_dict() for r in self.rows],
                "rules": [_rule_dict(rule, c) for rule, c in self.rules.items()],
                "document_score_auc": _round(self.score_auc), "document_score_pairs": self.score_pairs,
                "document_gate": None if self.gated is None else self.gated.to_dict(),
                "spinner_edits_by_stage": None if self.stages is None else {"rule": self.stages_rule,
                                                                          **self.stages},
                "lost_edits": [x.to_dict() for x in self.lost]}


def _rule_dict(rule: str, c: Counts) -> dict:
    return {"rule": rule, "applied": c.applied, "correct": c.correct, "wrong": c.wrong,
            "false_edits": c.false, "precision": _round(_ratio(c.correct, c.applied))}


def thresholds_with_default(thresholds: Iterable[float] | None, default: float) -> list[float]:
    """The thresholds to report, sorted; the default grid gains the engine's default."""
    chosen = list(DEFAULT_GRID) + [default] if thresholds is None else list(thresholds)
    unique: list[float] = []
    for t in sorted(chosen):
        if not unique or not _same(unique[-1], t):
            unique.append(t)
    return unique


def _engine_default() -> float:
    from .pipeline import DEFAULT_THRESHOLD  # light: the engine loads only when it runs

    return DEFAULT_THRESHOLD


def build_report(runs: Sequence[PairRun], thresholds: Iterable[float] | None = None,
                 default: float | None = None, source: str = "", gate: bool = False,
                 examples: int = 0) -> Report:
    """All figures from judged runs, at every threshold (no engine calls here); with ``gate`` and
    the runs' scores, also under the engine's default rule (pipeline.Options.threshold: the default
    threshold, or the document gate's lower one where a spun text's score reads as spun); with
    ``examples``, that many unrestored spinner edits of each stage."""
    default = _engine_default() if default is None else default
    rows = [_row(runs, t, default) for t in thresholds_with_default(thresholds, default)]
    # a pair the spinner left unchanged holds no spun text: no score can tell its two texts apart
    scored = [r.scores for r in runs if r.scores is not None and r.spun != r.original]
    gated = None
    stages_rule, threshold_of = f"the default threshold {default:.2f}", lambda run: default
    if gate and runs and all(r.scores is not None for r in runs):
        from . import pipeline

        rule = pipeline.Options(min_confidence=default, spun_min_confidence=pipeline.SPUN_THRESHOLD).threshold
        gated = _row(runs, default, default, rule)
        stages_rule, threshold_of = "the engine's default rule (gate)", lambda run: rule(run.scores[0])
    return Report(source, len(runs), sum(r.words for r in runs),
                  sum(len(r.original) for r in runs), sum(len(r.edits) for r in runs),
                  sum(r.dist_spun for r in runs), default, rows, _rules(runs, default),
                  score_auc=roc_auc([s for s, _ in scored], [o for _, o in scored]), score_pairs=len(scored),
                  gated=gated, stages=edit_stages(runs, threshold_of), stages_rule=stages_rule,
                  lost=lost_edits(runs, threshold_of, examples) if examples > 0 else [])


def evaluate(pairs: Sequence[Pair], engine: Engine = default_engine,
             thresholds: Iterable[float] | None = None, default: float | None = None,
             source: str = "", on_pair: Callable[[], None] | None = None,
             scorer: Scorer | None = None, gate: bool = False, examples: int = 0) -> Report:
    """Run the engine over ``pairs`` once and measure it at every threshold; with ``scorer``,
    also how well the document score tells the spun texts from the originals, and with ``gate``
    too, the figures under the engine's default rule (see :func:`build_report`)."""
    began = time.perf_counter()
    runs = run_pairs(pairs, engine, on_pair, scorer)
    report = build_report(runs, thresholds, default, source, gate, examples)
    report.seconds = time.perf_counter() - began
    return report


# --------------------------------------------------------------------- text output

_HEADER = ("threshold", "applied", "correct", "false", "precision", "recall", "false/1k",
           "reversal")


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _table_line(row: Row, label: str | None = None) -> str:
    mark = "*" if row.is_default else " "
    c = row.counts
    cells = (label or f"{mark} {row.threshold:.2f}", f"{c.applied:,}", f"{c.correct:,}", f"{c.false:,}",
             _fmt(row.precision), _fmt(row.recall), _fmt(row.false_per_1k, 2), _fmt(row.reversal))
    return "  ".join(cell.rjust(len(h)) for cell, h in zip(cells, _HEADER))


def _rule_lines(report: Report) -> Iterator[str]:
    yield f"Rules at the default threshold {report.default_threshold:.2f}:"
    if not report.rules:
        yield "  (no changes applied)"
        return
    width = max(12, *(len(r) for r in report.rules))
    yield f"  {'rule'.ljust(width)}  applied  correct  precision"
    for rule, c in report.rules.items():
        yield (f"  {rule.ljust(width)}  {c.applied:>7,}  {c.correct:>7,}  "
               f"{_fmt(_ratio(c.correct, c.applied)):>9}")


def _stage_lines(report: Report) -> Iterator[str]:
    yield f"Where the {report.edits:,} spinner edits stand, under {report.stages_rule}:"
    width = max(len(label) for _, label, _ in STAGES)
    for name, label, what in STAGES:
        n = report.stages[name]
        yield f"  {label.ljust(width)}  {n:>7,}  {100 * n / report.edits:5.1f}%  {what}"
    if report.lost:
        labels = {name: label for name, label, _ in STAGES}
        yield ""
        yield "Spinner edits not restored (the first of each stage):"
        stage = None
        for x in report.lost:
            if x.stage != stage:
                stage = x.stage
                yield f"  {labels[stage]}:"
            where = f"line {x.line}: " if x.line else ""
            said = "; ".join(f"{o!r} -> {n!r} ({c:.2f})" for o, n, c in x.suggested)
            yield f"    {where}{x.spun!r} was {x.original!r}" + (f"  [{said}]" if said else "")


def render_text(report: Report) -> str:
    summary = (f"{report.source}: {report.pairs:,} pairs, {report.words:,} words, "
               f"{report.edits:,} spinner edits, token distance spun -> original "
               f"{report.dist_spun:,} ({report.seconds:.1f} s)")
    lines = [summary, "", "  ".join(_HEADER)]
    lines += [_table_line(r) for r in report.rows]
    if report.gated is not None:
        lines.append(_table_line(report.gated, "gate"))
    if report.default_row is not None:
        lines.append("(* the engine's default threshold)")
    if report.gated is not None:
        lines.append("(gate: the engine's default rule, each text at the default threshold or, where its "
                     "spin score reads as spun, the document gate's lower one)")
    lines += ["", *_rule_lines(report)]
    if report.stages is not None and report.edits:
        lines += ["", *_stage_lines(report)]
    if report.score_auc is not None:
        unchanged = report.pairs - report.score_pairs
        lines += ["", f"Document score (check --score): ROC AUC {report.score_auc:.3f} between the "
                      f"{report.score_pairs:,} spun texts and their originals"
                      + (f" ({unchanged:,} pairs the spinner left unchanged left out)." if unchanged else ".")]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- plot

class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def require_matplotlib():
    """Import matplotlib's pyplot (headless), or raise :class:`PlotUnavailable`."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable(f"--plot needs matplotlib: {PLOT_HINT}") from None
    return plt


def plot_curve(report: Report, out_path: str) -> None:
    """Precision against recall, one point per threshold, the default one marked."""
    plt = require_matplotlib()
    rows = [r for r in report.rows if r.precision is not None and r.recall is not None]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot([r.recall for r in rows], [r.precision for r in rows], marker="o")
    for r in rows:
        ax.annotate(f"{r.threshold:.2f}", (r.recall, r.precision), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    default = report.default_row
    if default is not None and default in rows:
        ax.plot([default.recall], [default.precision], marker="*", markersize=14, linestyle="",
                label=f"default threshold {default.threshold:.2f}")
        ax.legend(loc="lower left")
    ax.set(xlabel="edit recall", ylabel="edit precision", xlim=(0, 1), ylim=(0, 1.02),
           title=f"repair eval: {os.path.basename(report.source)} ({report.pairs} pairs)")
    ax.grid(True, alpha=0.3)
    try:
        fig.savefig(out_path, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)

"""Learning spin-lexicon entries from aligned (original, spun) text pairs.

Reading.  :func:`read_pairs` takes JSONL files (one ``{"original": ..., "spun": ...}``
object a line; ``-`` for standard input) and/or folder pairs ``(ORIG_DIR, SPUN_DIR)``
whose files are matched by relative path.  Every problem is a :class:`PairsError` naming the
file (and line): invalid UTF-8, bad JSON, a missing or non-string field, an
empty file, files present in only one folder.  :func:`parse_jsonl` is the one
JSONL reader of pairs: ``repair eval`` (:mod:`repair.evaluate`) uses it too, so
both commands word the same problem the same way.  Files are read through
:func:`repair.textio.read_file`.

Aligning.  :func:`align` tokenises both texts with the engine's tokenizer
(:mod:`repair.tokens`), case-folds the tokens, and aligns them with
:func:`token_opcodes` (spun as ``a``, original as ``b``): the opcodes of
``difflib.SequenceMatcher(autojunk=False)`` over the whole pair, unless that
would take too long.  SequenceMatcher finds the longest matching run, then
recurses on both sides of it; on repetitive text (one sentence spun the same
way 400 times) the runs are short and the recursion lopsided, so it takes about
cubic time (400 repeats: 100 s).  Its work is counted, deterministically, as the
entries of its index it scans; past :data:`ALIGN_BUDGET` (about a second: far
more than any paragraph or article needs, so ordinary pairs keep exactly the
alignment they always had) the range is split instead at *anchors*, tokens that
occur once on each side and whose two neighbours either side match too, kept in order (a
longest increasing run, as in patience diff), and each gap is aligned the same
way.  A range without anchors is aligned window by window
(:data:`ALIGN_WINDOW` tokens a side), keeping the matches in each window's
first half.  ``repair eval`` aligns with :func:`token_opcodes` too.
A ``replace`` block with as many tokens on each side is split word for word
(a spinner mostly swaps words one by one: "regularly utilized" -> "often used"
gives "regularly" -> "often" and "utilized" -> "used"); a block of unequal sides
("week after week" -> "weekly") is one substitution when both sides have 1-4
tokens, and is skipped when longer.  Keys are the span's text through
:func:`repair.lexicon.normalise`, the form the engine looks text up in.

Splitting was measured on the SpinBot dev pairs (5-fold cross-validation over
contiguous paragraphs: learn on four folds, apply the top sense of weight >= 0.8
greedily, longest key first, to the fifth, and score each edit by whether it
raises, keeps or lowers the number of tokens matching the original;
``scripts/build_lexicons.py --compare-splits``).  Splitting equal blocks: 399
helpful, 153 wrong, 31 harmful edits; keeping them whole: 239, 95, 19.  The
same precision (0.68) with 1.7 times the restorations, although splitting
also cuts real phrases apart ("funny cartoon" -> "comic strip" is not "funny"
-> "comic").  Splitting only the blocks longer than 4 tokens made no
difference (long blocks are mostly re-phrasings: "gave off an impression of
being" -> "appeared to be").

Skipped as not spinning: pure insertions and deletions (not ``replace``);
whole replace blocks with any punctuation but a hyphen on either side
(sentence punctuation, commas, quotes and brackets mark clause-level rewrites
whose punctuation would not survive a word swap); and, after splitting, pairs
whose words are equal once case and punctuation are dropped, sides without a
letter (numbers, punctuation), and a/an agreement ("an" -> "a").

Weighing.  :func:`learn` counts each substitution and divides by how often the
spun key occurs as a token sequence anywhere in the spun texts, changed or not:
an alignment accident such as "to" -> "should", where "to" occurs hundreds of
times unchanged, gets a tiny weight.  :func:`learn` is a pure function of the
pairs, so a trainer can call it once per cross-validation fold.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from pathlib import Path

from .lexicon import Entry, normalise
from .textio import STDIN_NAME, InputError, read_file, read_text
from .tokens import Token, tokenize

__all__ = [
    "ALIGN_BUDGET",
    "ALIGN_WINDOW",
    "MAX_TOKENS",
    "LearnStats",
    "Pair",
    "PairsError",
    "Substitution",
    "align",
    "learn",
    "learn_with_stats",
    "pairs_digest",
    "parse_jsonl",
    "read_jsonl",
    "read_pair_dirs",
    "read_pairs",
    "token_opcodes",
]

MAX_TOKENS = 4
_ALLOWED_PUNCT = frozenset("-\u2010\u2011")  # hyphens join compound words: long-lasting
_ARTICLES = frozenset({"a", "an"})


class PairsError(InputError, ValueError):
    """Unusable pair input; ``str(exc)`` is one line naming the file (and line).

    An :class:`~repair.textio.InputError` (so ``repair eval`` reports it like any
    unreadable input) and, as before, a ``ValueError``.
    """


@dataclass(frozen=True)
class Pair:
    """One aligned pair; ``Pair(original, spun)`` is enough to learn from or evaluate."""

    original: str
    spun: str
    origin: str = ""  # "file:line" or "spun file", for messages
    line: int = 0  # 1-based line in a JSONL file; 0 when the pair did not come from one


@dataclass(frozen=True)
class Substitution:
    spun: str
    original: str


@dataclass(frozen=True)
class LearnStats:
    pairs: int
    substitutions: int  # substitution instances found (before min_count)
    distinct: int  # distinct (spun, original) pairs (before min_count)


# --------------------------------------------------------------------------- reading

def _read_file_text(path: str | os.PathLike) -> str:
    try:
        return read_file(path)
    except InputError as exc:
        raise PairsError(str(exc), reason=exc.reason, line=exc.line) from None


def _parse_line(line: str, where: str) -> tuple[str, str]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PairsError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise PairsError(f'{where}: expected an object with "original" and "spun"')
    for key in ("original", "spun"):
        if key not in obj:
            raise PairsError(f'{where}: missing field "{key}"')
        if not isinstance(obj[key], str):
            raise PairsError(f'{where}: field "{key}" must be a string')
    return obj["original"], obj["spun"]


def parse_jsonl(text: str, name: str, limit: int | None = None) -> list[Pair]:
    """Pairs from JSONL text: one ``{"original", "spun"}`` object a line.

    A leading byte-order mark and blank lines are ignored; other fields are
    ignored.  ``limit`` stops after that many pairs (later lines are not read).
    Every problem is a :class:`PairsError` ``NAME:LINE: reason`` (``NAME: no
    pairs (the file is empty)`` when there is no pair at all).
    """
    pairs: list[Pair] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        if limit is not None and len(pairs) >= limit:
            break
        if line.strip():
            where = f"{name}:{number}"
            pairs.append(Pair(*_parse_line(line, where), origin=where, line=number))
    if not pairs:
        raise PairsError(f"{name}: no pairs (the file is empty)")
    return pairs


def read_jsonl(path: str | os.PathLike, limit: int | None = None) -> list[Pair]:
    """Pairs from a JSONL file (see :func:`parse_jsonl`); ``"-"`` is a file name here."""
    return parse_jsonl(_read_file_text(path), os.fspath(path), limit)


def _files_under(folder: Path) -> dict[str, Path]:
    if not folder.exists():
        raise PairsError(f"{folder}: no such directory")
    if not folder.is_dir():
        raise PairsError(f"{folder}: not a directory")
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found[rel.as_posix()] = path
    return found


def _list_names(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def read_pair_dirs(orig_dir: str | os.PathLike, spun_dir: str | os.PathLike) -> list[Pair]:
    """Pairs from two folders whose files match by relative path (hidden files ignored)."""
    orig_dir, spun_dir = Path(orig_dir), Path(spun_dir)
    originals, spuns = _files_under(orig_dir), _files_under(spun_dir)
    only_orig = sorted(set(originals) - set(spuns))
    only_spun = sorted(set(spuns) - set(originals))
    if only_orig or only_spun:
        parts = []
        if only_orig:
            parts.append(f"only in {orig_dir}: {_list_names(only_orig)}")
        if only_spun:
            parts.append(f"only in {spun_dir}: {_list_names(only_spun)}")
        raise PairsError("unmatched files: " + "; ".join(parts))
    if not originals:
        raise PairsError(f"{orig_dir}: no files")
    return [Pair(_read_file_text(originals[rel]), _read_file_text(spuns[rel]), str(spuns[rel]))
            for rel in sorted(originals)]


def read_pairs(sources: Iterable[str | os.PathLike | tuple[str | os.PathLike, str | os.PathLike]]
               ) -> list[Pair]:
    """Pairs from JSONL files and ``(ORIG_DIR, SPUN_DIR)`` folder pairs, in the order given;
    ``"-"`` is standard input here (as ``repair eval -`` reads it), which can be read once."""
    pairs: list[Pair] = []
    stdin_read = False
    for source in sources:
        if isinstance(source, tuple):
            pairs += read_pair_dirs(*source)
        elif os.fspath(source) == "-":
            if stdin_read:
                raise PairsError(f"{STDIN_NAME}: standard input can be read only once; give '-' once")
            stdin_read = True
            pairs += parse_jsonl(_stdin_text(), STDIN_NAME)
        else:
            pairs += read_jsonl(source)
    return pairs


def _stdin_text() -> str:
    try:
        return read_text("-")
    except InputError as exc:
        raise PairsError(str(exc), reason=exc.reason, line=exc.line) from None


def pairs_digest(pairs: Iterable[Pair]) -> str:
    """A short content hash of the pairs (their texts, in order; not where they came from),
    which ``repair learn`` records in a lexicon's header to notice the same pairs learned twice."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(json.dumps([pair.original, pair.spun]).encode() + b"\n")
    return "sha256:" + digest.hexdigest()[:16]


# --------------------------------------------------------------------------- aligning

def _fold(token: Token) -> str:
    return normalise(token.text)


def _span_key(text: str, tokens: Sequence[Token]) -> str:
    return normalise(text[tokens[0].start:tokens[-1].end])


def _words(tokens: Sequence[Token]) -> list[str]:
    return [_fold(t) for t in tokens if t.is_word]


def _has_clause_punctuation(tokens: Sequence[Token]) -> bool:
    return any(not t.is_word and not t.text[0].isdigit() and t.text not in _ALLOWED_PUNCT
               for t in tokens)


def _acceptable(spun: Sequence[Token], orig: Sequence[Token]) -> bool:
    if not (1 <= len(spun) <= MAX_TOKENS and 1 <= len(orig) <= MAX_TOKENS):
        return False
    if not any(t.is_word for t in spun) or not any(t.is_word for t in orig):
        return False  # numbers or punctuation only
    spun_words, orig_words = _words(spun), _words(orig)
    if spun_words == orig_words:
        return False  # only case or punctuation differ
    return not (set(spun_words) <= _ARTICLES and set(orig_words) <= _ARTICLES)


def _split(s_side: Sequence[Token], o_side: Sequence[Token], split_equal: bool
           ) -> list[tuple[Sequence[Token], Sequence[Token]]]:
    if split_equal and len(s_side) == len(o_side) > 1:
        return [((a,), (b,)) for a, b in zip(s_side, o_side)]
    return [(s_side, o_side)]


ALIGN_BUDGET = 10_000_000  # SequenceMatcher index entries scanned before a range is split
ALIGN_WINDOW = 120  # tokens a side in a window, where a range has no anchors
_ANCHOR_CONTEXT = 2  # neighbours on each side an anchor's must match

Opcode = tuple[str, int, int, int, int]


class _OverBudget(Exception):
    pass


class _BudgetedMatcher(difflib.SequenceMatcher):
    """SequenceMatcher(autojunk=False) that gives up once it has done ``budget`` work.

    The work of ``find_longest_match`` over ``a[alo:ahi]`` is bounded by the
    positions in ``b`` of those tokens (it scans each one's list), so the
    prefix sums of those list lengths count it in O(1) a call.
    """

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: int) -> None:
        super().__init__(None, a, b, autojunk=False)
        self._left = budget
        self._cost = [0, *accumulate(len(self.b2j.get(t, ())) for t in a)]

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        self._left -= self._cost[ahi] - self._cost[alo]
        if self._left < 0:
            raise _OverBudget
        return super().find_longest_match(alo, ahi, blo, bhi)


def _matched(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int]] | None:
    """SequenceMatcher's matching blocks (without the sentinel); None when over budget."""
    try:
        return [(m.a, m.b, m.size) for m in _BudgetedMatcher(a, b, ALIGN_BUDGET).get_matching_blocks()
                if m.size]
    except _OverBudget:
        return None


def _anchors(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
             ) -> list[tuple[int, int]]:
    """Positions (i, j), increasing in both, of tokens once in a[alo:ahi] and once in
    b[blo:bhi] whose two neighbours on each side match too: the longest such run in order.

    (Unique tokens alone make poor anchors in spun text: "delayed" may stand for
    "postponed" in one sentence and be the original in another.)
    """
    c = _ANCHOR_CONTEXT
    in_a, in_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo + c, bhi - c) if in_b[b[j]] == 1 and in_a[b[j]] == 1}
    found = [(i, where_b[a[i]]) for i in range(alo + c, ahi - c) if a[i] in where_b]
    found = [(i, j) for i, j in found if a[i - c:i + c + 1] == b[j - c:j + c + 1]]
    tails: list[int] = []  # tails[k]: index into found of the best run of length k + 1
    tail_js: list[int] = []
    back: list[int] = []
    for n, (_, j) in enumerate(found):
        k = bisect_left(tail_js, j)
        back.append(tails[k - 1] if k else -1)
        if k == len(tails):
            tails.append(n)
            tail_js.append(j)
        else:
            tails[k], tail_js[k] = n, j
    run, n = [], tails[-1] if tails else -1
    while n >= 0:
        run.append(found[n])
        n = back[n]
    return run[::-1]


def _windowed(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int,
              out: list[tuple[int, int, int]]) -> None:
    """Align a range window by window, keeping each window's matches in its first half."""
    half = ALIGN_WINDOW // 2
    i, j = alo, blo
    while i < ahi and j < bhi and max(ahi - i, bhi - j) > ALIGN_WINDOW:
        wa, wb = min(i + ALIGN_WINDOW, ahi), min(j + ALIGN_WINDOW, bhi)
        blocks = difflib.SequenceMatcher(None, a[i:wa], b[j:wb], autojunk=False).get_matching_blocks()
        blocks = [m for m in blocks if m.size]
        if not blocks:  # nothing in common here: leave it to a replace and move on
            i, j = min(i + half, ahi), min(j + half, bhi)
            continue
        early = [m for m in blocks if m.a + m.size <= half and m.b + m.size <= half] or blocks[:1]
        out.extend((i + m.a, j + m.b, m.size) for m in early)
        i, j = i + early[-1].a + early[-1].size, j + early[-1].b + early[-1].size
    if i < ahi and j < bhi:
        blocks = difflib.SequenceMatcher(None, a[i:ahi], b[j:bhi], autojunk=False).get_matching_blocks()
        out.extend((i + m.a, j + m.b, m.size) for m in blocks if m.size)


def _opcodes_of(blocks: list[tuple[int, int, int]], na: int, nb: int) -> list[Opcode]:
    """SequenceMatcher.get_opcodes() for these matching blocks (adjacent ones joined)."""
    joined: list[tuple[int, int, int]] = []
    for i, j, n in sorted(blocks):
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            joined[-1] = (joined[-1][0], joined[-1][1], joined[-1][2] + n)
        else:
            joined.append((i, j, n))
    ops: list[Opcode] = []
    i = j = 0
    for ai, bj, n in [*joined, (na, nb, 0)]:
        if i < ai or j < bj:
            ops.append(("replace" if i < ai and j < bj else "delete" if i < ai else "insert",
                        i, ai, j, bj))
        if n:
            ops.append(("equal", ai, ai + n, bj, bj + n))
        i, j = ai + n, bj + n
    return ops


def token_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """``difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``, in near-linear
    time on long or repetitive sequences: exactly that whenever SequenceMatcher stays within
    :data:`ALIGN_BUDGET`, else aligned piecewise between anchors (see the module notes)."""
    try:
        return _BudgetedMatcher(a, b, ALIGN_BUDGET).get_opcodes()
    except _OverBudget:
        pass
    blocks: list[tuple[int, int, int]] = []
    ranges = [(0, len(a), 0, len(b), False)]  # the whole range is known to be over budget
    while ranges:
        alo, ahi, blo, bhi, try_whole = ranges.pop()
        if alo == ahi or blo == bhi:
            continue
        if try_whole:
            found = _matched(a[alo:ahi], b[blo:bhi])
            if found is not None:
                blocks += [(alo + i, blo + j, n) for i, j, n in found]
                continue
        anchors = _anchors(a, b, alo, ahi, blo, bhi)
        if not anchors:
            _windowed(a, b, alo, ahi, blo, bhi, blocks)
            continue
        blocks += [(i, j, 1) for i, j in anchors]
        ends = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]
        ranges += [(i + 1, i2, j + 1, j2, True) for (i, j), (i2, j2) in pairwise(ends)]
    return _opcodes_of(blocks, len(a), len(b))


def align(original: str, spun: str, *, split_equal: bool = True) -> list[Substitution]:
    """The substitutions spun -> original in one aligned pair, in text order.

    ``split_equal=False`` keeps equal-length replace blocks whole (for comparison only).
    """
    o_tokens, s_tokens = tokenize(original), tokenize(spun)
    found = []
    for tag, i1, i2, j1, j2 in token_opcodes([_fold(t) for t in s_tokens],
                                             [_fold(t) for t in o_tokens]):
        if tag != "replace" or _has_clause_punctuation(s_tokens[i1:i2] + o_tokens[j1:j2]):
            continue  # insertions, deletions, and rewrites across clause punctuation
        for s_side, o_side in _split(s_tokens[i1:i2], o_tokens[j1:j2], split_equal):
            if _acceptable(s_side, o_side):
                found.append(Substitution(_span_key(spun, s_side), _span_key(original, o_side)))
    return found


# --------------------------------------------------------------------------- weighing

def _key_tokens(key: str) -> tuple[str, ...]:
    return tuple(_fold(t) for t in tokenize(key))


def count_occurrences(texts: Iterable[str], keys: Iterable[str]) -> Counter[str]:
    """How often each key occurs as a token sequence in ``texts`` (case-folded)."""
    by_tokens: dict[tuple[str, ...], list[str]] = {}
    for key in set(keys):
        by_tokens.setdefault(_key_tokens(key), []).append(key)
    lengths = sorted({len(t) for t in by_tokens if t})
    seen: Counter[str] = Counter()
    for text in texts:
        folded = [_fold(t) for t in tokenize(text)]
        for n in lengths:
            for i in range(len(folded) - n + 1):
                for key in by_tokens.get(tuple(folded[i:i + n]), ()):
                    seen[key] += 1
    return seen


def learn_with_stats(pairs: Sequence[Pair], min_count: int = 1, source: str = "learned", *,
                     split_equal: bool = True) -> tuple[list[Entry], LearnStats]:
    """:func:`learn`, plus counts for a summary line."""
    subs: Counter[tuple[str, str]] = Counter()
    for pair in pairs:
        found = align(pair.original, pair.spun, split_equal=split_equal)
        subs.update((s.spun, s.original) for s in found)
    seen = count_occurrences((p.spun for p in pairs), (spun for spun, _ in subs))
    entries = []
    for (spun, original), count in sorted(subs.items()):
        if count >= min_count:
            # A key can occur fewer times as a token sequence than it was substituted
            # only if tokenisation differs between span text and key; guard against it.
            weight = count / max(seen[spun], count)
            entries.append(Entry(spun, original, count, weight, "", source))
    stats = LearnStats(len(pairs), sum(subs.values()), len(subs))
    return entries, stats


def learn(pairs: Sequence[Pair], min_count: int = 1, source: str = "learned") -> list[Entry]:
    """Lexicon entries learned from aligned pairs, sorted by (spun, original).

    ``count`` is how many times spun -> original was found; ``weight`` is count
    divided by the number of times the spun key occurs in all the spun texts.
    Entries seen fewer than ``min_count`` times are dropped.  Chains (an original
    that is another entry's spun key) are left in: see
    :func:`repair.lexicon.resolve_chains`.
    """
    return learn_with_stats(pairs, min_count, source)[0]

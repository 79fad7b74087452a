"""Spin lexicons: curated or learned ``spun -> original`` wording, kept as plain data.

A lexicon is a UTF-8 TSV file that people can read, diff and review::

    # optional comment lines, only before the header
    spun<TAB>original<TAB>count<TAB>weight<TAB>guard<TAB>source
    funny cartoon<TAB>comic strip<TAB>3<TAB>0.75<TAB><TAB>spinbot-dev

* ``spun`` and ``original`` are *keys*: lower case, runs of white space as one
  space, the typographic apostrophe (U+2019) written as ``'``.  A key is the
  text of a span of the document (from its first token to its last) put
  through :func:`normalise`, so "K-closest neighbors" is looked up as
  ``k-closest neighbors``.
* ``count`` (integer >= 1) is how often the pair was seen (for learned entries:
  substitutions in aligned pairs; for curated lists: the list's own count).
* ``weight`` in (0, 1] estimates P(original | the spun key occurs).  Learned
  entries use count / seen, where *seen* is how often the spun key occurs in the
  spun texts at all (substituted or not), so the number of times the key was
  seen is ``count / weight``.  That lets :func:`merge` pool two estimates exactly
  without a separate ``seen`` column (see there).
* ``guard`` is empty, or a key that must also occur in the same document for
  the entry to apply (the Problematic Paper Screener's ``A AND B`` fingerprints).
* ``source`` names where the entry came from (short text, no tabs).  The source
  ``word-swap`` (:data:`SWAP_SOURCE`) marks a *word swap*: one word of a phrase
  pair's spun wording and the word it stands for (:func:`word_swaps`).  The engine
  offers it as a candidate like any entry, but does not count its hits as
  evidence that the document is spun: a swap is a word a spinner changed inside a
  term, not a wording that betrays the spinner wherever it stands.

Entries are sorted by (spun, original), with no duplicate pair and no self-pair,
so an unchanged rebuild produces identical bytes.

:func:`validate` reports everything wrong with a file, with line numbers; the
content checks follow codespell's dictionary tests: an original must be a word,
and no original may itself be a listed spun key (a *chain*: applying the
lexicon twice would change the text again), of which cycles (a -> b -> a) are
the worst case.  :func:`resolve_chains` removes the weakest entries until
neither remains.  :func:`mend` makes a file that does not validate valid,
saying what it did (``repair learn --repair``).

:class:`Lexicon` is the read-only index the engine uses: spun key -> senses.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from .textio import InputError, read_file, write_atomic
from .tokens import TOKEN_RE

__all__ = [
    "COLUMNS",
    "HEADER",
    "Entry",
    "Lexicon",
    "LexiconError",
    "Problem",
    "SWAP_SOURCE",
    "Sense",
    "format_lexicon",
    "guard_present",
    "mend",
    "merge",
    "normalise",
    "read_header_comments",
    "read_lexicon",
    "resolve_chains",
    "strength",
    "validate",
    "validate_text",
    "word_swaps",
    "write_lexicon",
]

COLUMNS = ("spun", "original", "count", "weight", "guard", "source")
HEADER = "\t".join(COLUMNS)
_HEADER_SHOWN = HEADER.replace("\t", "\\t")
_LETTER = re.compile(r"[^\W\d_]")


class LexiconError(ValueError):
    """A lexicon file that cannot be used; ``str(exc)`` is ``FILE:LINE: message``."""


def normalise(text: str) -> str:
    """The key form of a phrase: lower case, single spaces, straight apostrophe."""
    # runs of white space as one space, none at the ends (str.split and re's \s agree on what
    # white space is)
    return " ".join(text.replace("\u2019", "'").lower().split())


def _fmt_weight(weight: float) -> str:
    return format(weight, ".6g")


@dataclass(frozen=True)
class Entry:
    """One line of a lexicon: restore ``original`` where ``spun`` occurs."""

    spun: str
    original: str
    count: int = 1
    weight: float = 1.0
    guard: str = ""
    source: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return (self.spun, self.original)

    @property
    def seen(self) -> float:
        """How often the spun key was seen, as implied by ``count / weight``."""
        return self.count / self.weight

    def to_line(self) -> str:
        return "\t".join((self.spun, self.original, str(self.count), _fmt_weight(self.weight),
                          self.guard, self.source))


class Sense(NamedTuple):
    """One restoration of a spun key, as the engine sees it."""

    original: str
    weight: float
    count: int
    guard: str
    source: str


@dataclass(frozen=True)
class Problem:
    """Something wrong with a lexicon file; ``line`` is 1-based."""

    line: int
    kind: str
    message: str

    def format(self, name: str) -> str:
        return f"{name}:{self.line}: {self.kind}: {self.message}"


# --------------------------------------------------------------------------- parsing

def _check_key(value: str, column: str) -> str | None:
    if not value:
        return f"empty {column}"
    if value != normalise(value):
        return f"{column} {value!r} is not normalised (expected {normalise(value)!r})"
    return None


def _check_number(count: str, weight: str) -> tuple[int | None, float | None, str | None]:
    if not count.isascii() or not count.isdigit() or int(count) < 1:
        return None, None, f"count {count!r} is not an integer >= 1"
    try:
        w = float(weight)
    except ValueError:
        return None, None, f"weight {weight!r} is not a number"
    if not (0.0 < w <= 1.0):  # also rejects nan
        return None, None, f"weight {weight!r} is not in (0, 1]"
    return int(count), w, None


def _parse_row(fields: list[str]) -> tuple[Entry | None, str | None]:
    if len(fields) != len(COLUMNS):
        return None, f"expected {len(COLUMNS)} tab-separated columns, found {len(fields)}"
    spun, original, count, weight, guard, source = fields
    for value, column in ((spun, "spun"), (original, "original")):
        err = _check_key(value, column)
        if err:
            return None, err
    if guard and guard != normalise(guard):
        return None, f"guard {guard!r} is not normalised (expected {normalise(guard)!r})"
    if not source or source != source.strip():
        return None, "empty or padded source"
    n, w, err = _check_number(count, weight)
    if err:
        return None, err
    return Entry(spun, original, n, w, guard, source), None


def _split_lines(text: str) -> list[str]:
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _parse(text: str) -> tuple[list[tuple[int, Entry]], list[Problem]]:
    """All well-formed entries with their line numbers, and the format problems."""
    entries: list[tuple[int, Entry]] = []
    problems: list[Problem] = []
    header_seen = False
    for number, line in enumerate(_split_lines(text), start=1):
        if not header_seen:
            if line.startswith("#"):
                continue
            header_seen = True
            if line != HEADER:
                problems.append(Problem(number, "format", f"header must be '{_HEADER_SHOWN}'"))
            continue
        if not line:
            entry, err = None, "empty line"
        elif line.startswith("#"):
            entry, err = None, "comments are only allowed before the header"
        else:
            entry, err = _parse_row(line.split("\t"))
        if err:
            problems.append(Problem(number, "format", err))
        else:
            entries.append((number, entry))
    if not header_seen:  # reported where the header should be: line 1, or the line after the comments
        lines = len(_split_lines(text))
        message = (f"no header line after the comments (expected '{_HEADER_SHOWN}')" if lines
                   else "empty file (no header line)")
        problems.append(Problem(lines + 1, "format", message))
    return entries, problems


def _read_text(path: str | os.PathLike) -> str:
    """The file's text (through :func:`repair.textio.read_file`); LexiconError when unreadable.

    ``FILE: reason`` when the file cannot be read, ``FILE:LINE: reason`` when its
    bytes are not UTF-8 text (LINE holds the first bad byte).
    """
    try:
        return read_file(path)
    except InputError as exc:
        where = os.fspath(path) if exc.line is None else f"{os.fspath(path)}:{exc.line}"
        raise LexiconError(f"{where}: {exc.reason}") from None


def read_header_comments(path: str | os.PathLike) -> list[str]:
    """The comment lines before the header, without their ``# `` (for rewriting a file)."""
    comments = []
    for line in _split_lines(_read_text(path)):
        if not line.startswith("#"):
            break
        comments.append(line[2:] if line.startswith("# ") else line[1:])
    return comments


def read_lexicon(path: str | os.PathLike) -> list[Entry]:
    """The entries of a lexicon file, in file order; :class:`LexiconError` on a format error.

    Only the format is checked here (columns, numbers, key normalisation);
    :func:`validate` also checks order, duplicates, chains and cycles.
    """
    entries, problems = _parse(_read_text(path))  # unreadable: LexiconError "FILE: reason"
    if problems:
        p = problems[0]
        raise LexiconError(f"{os.fspath(path)}:{p.line}: {p.message}")
    return [e for _, e in entries]


# --------------------------------------------------------------------------- writing

def _sorted_unique(entries: Iterable[Entry]) -> list[Entry]:
    by_pair: dict[tuple[str, str], Entry] = {}
    for e in entries:
        if e.spun == e.original:
            raise ValueError(f"self-pair {e.spun!r}")
        if e.pair in by_pair:
            raise ValueError(f"duplicate entry {e.spun!r} -> {e.original!r}")
        by_pair[e.pair] = e
    return [by_pair[k] for k in sorted(by_pair)]


def format_lexicon(entries: Iterable[Entry], header_comments: Sequence[str] = ()) -> str:
    """The file text for ``entries``: comments, header, one sorted line per entry."""
    lines = []
    for comment in header_comments:
        for part in comment.split("\n"):
            lines.append("# " + part if part else "#")
    lines.append(HEADER)
    for e in _sorted_unique(entries):
        _, err = _parse_row(e.to_line().split("\t"))
        if err:
            raise ValueError(f"cannot write {e.spun!r} -> {e.original!r}: {err}")
        lines.append(e.to_line())
    return "\n".join(lines) + "\n"


def write_lexicon(path: str | os.PathLike, entries: Iterable[Entry],
                  header_comments: Sequence[str] = ()) -> None:
    """Write ``entries`` sorted by (spun, original), atomically; ValueError on a bad entry."""
    write_atomic(path, format_lexicon(entries, header_comments))


# --------------------------------------------------------------------------- word swaps

SWAP_SOURCE = "word-swap"


def word_swaps(entries: Iterable[Entry]) -> list[Entry]:
    """The word swaps inside phrase pairs of two or more words of equal length: each position
    where the spun word differs from the original word ("neural organization" -> "neural network"
    teaches organization -> network).  ``count`` is the number of pairs with the swap, ``weight``
    that count over the number of pairs whose spun wording has the word at all (changed or not,
    so a word that mostly stands for itself, such as "data", gets a small weight).  Words only
    (letters, inner hyphens and apostrophes: no digits or punctuation); source SWAP_SOURCE.
    Chains and cycles are removed (:func:`resolve_chains`); sorted by (spun, original)."""
    seen: dict[str, int] = {}
    swapped: dict[tuple[str, str], int] = {}
    for e in entries:
        spun, original = e.spun.split(), e.original.split()
        if len(spun) != len(original) or len(spun) < 2:
            continue
        for x, y in zip(spun, original):
            if not (_WORD.fullmatch(x) and _WORD.fullmatch(y)):
                continue
            seen[x] = seen.get(x, 0) + 1
            if x != y:
                swapped[(x, y)] = swapped.get((x, y), 0) + 1
    by_spun: dict[str, set[str]] = {}
    for x, y in swapped:
        by_spun.setdefault(x, set()).add(y)
    swaps = [Entry(x, y, n, n / seen[x], "", SWAP_SOURCE) for (x, y), n in swapped.items()
             if not _number_slip(x, y, by_spun[x])]
    return resolve_chains(swaps)[0]


def _number_slip(x: str, y: str, originals: set[str]) -> bool:
    """Is the swap x -> y a change of number (a plural noun for a singular, or the other way
    round) while x is also swapped for y in the number of x (``originals``: all of x's swaps)?
    A spinner keeps the number: beside organization -> network, seen 33 times, organization ->
    networks is the list's slip. A swap with no such twin ("information" -> "data") stands."""
    from .candidates import inflected_forms  # lemminflect, loaded on first use

    def singulars(word: str) -> set[str]:
        return {lemma for lemma, tag in inflected_forms(word) if tag == "NNS"}

    x_plural, y_singulars = bool(singulars(x)), singulars(y)
    if y_singulars and not x_plural:  # a plural for a singular: is the singular there too?
        return not y_singulars.isdisjoint(originals)
    if x_plural and not y_singulars:  # a singular for a plural: is a plural of it there too?
        return any(y in singulars(z) for z in originals)
    return False


_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


# --------------------------------------------------------------------------- merging

def _pooled_weight(count: int, seen: float) -> float:
    return min(1.0, count / seen) if seen > 0 else 1.0


def merge(old: Iterable[Entry], new: Iterable[Entry]) -> list[Entry]:
    """Pool two lexicons; every pair of either survives.  Sorted by (spun, original).

    Counts add.  Weights are pooled as (count_old + count_new) / (seen_old + seen_new),
    with seen = count / weight recovered from each entry, i.e. the count-weighted
    harmonic mean of the two weights: exactly the weight learning from both data
    sets at once would give.  When ``new`` has the spun key but not this pair
    (its data saw the key restored to something else), the key's seen count in
    ``new`` still joins the denominator, so the old weight goes down as it
    should.  (A key ``new`` saw only unchanged leaves no entry there, so it
    cannot lower old weights; that is the price of not storing ``seen``.)

    The guard of ``old`` is kept (curation wins over learning); when ``old`` has
    none, ``new``'s is used.  Sources are joined with ``+`` when they differ.
    """
    old_by_pair = {e.pair: e for e in old}
    new_list = list(new)
    new_by_pair = {e.pair: e for e in new_list}
    new_seen: dict[str, float] = {}
    for e in new_list:
        new_seen[e.spun] = max(new_seen.get(e.spun, 0.0), e.seen)
    merged = []
    for pair in sorted(set(old_by_pair) | set(new_by_pair)):
        a, b = old_by_pair.get(pair), new_by_pair.get(pair)
        if a is None:
            merged.append(b)
        elif pair[0] not in new_seen:
            merged.append(a)
        else:
            merged.append(_merge_pair(a, b, new_seen[pair[0]]))
    return merged


def _merge_pair(a: Entry, b: Entry | None, b_seen: float) -> Entry:
    count = a.count + (b.count if b else 0)
    weight = _pooled_weight(count, a.seen + b_seen)
    guard = a.guard or (b.guard if b else "")
    source = a.source
    if b and b.source and b.source not in a.source.split("+"):
        source = f"{a.source}+{b.source}"
    return replace(a, count=count, weight=weight, guard=guard, source=source)


# --------------------------------------------------------------------------- mending

def mend(path: str | os.PathLike) -> tuple[list[Entry], list[Problem]]:
    """The entries of a lexicon file made to validate, and one note per thing done, by line.

    Self-pairs and entries with a side without letters are dropped; a duplicate
    pair is merged into its first line as :func:`merge` pools two entries (counts
    add, weight = total count / total seen); chains and cycles lose their weakest
    entries (:func:`resolve_chains`); the entries come back sorted.  Nothing is
    dropped without a note.  A format error raises :class:`LexiconError`, as in
    :func:`read_lexicon`: a line that cannot be read cannot be mended.
    """
    numbered, problems = _parse(_read_text(path))
    if problems:
        raise LexiconError(f"{os.fspath(path)}:{problems[0].line}: {problems[0].message}")
    notes: list[Problem] = []
    by_pair: dict[tuple[str, str], Entry] = {}
    line_of: dict[tuple[str, str], int] = {}
    for number, e in numbered:
        if e.spun == e.original:
            notes.append(Problem(number, "self-pair", f"{e.spun!r} -> itself dropped"))
        elif not (_LETTER.search(e.spun) and _LETTER.search(e.original)):
            notes.append(Problem(number, "not-a-word", f"{e.spun!r} -> {e.original!r} dropped "
                                                       "(a side without letters)"))
        elif e.pair in by_pair:
            first = by_pair[e.pair]
            pooled = _merge_pair(first, e, e.seen)
            by_pair[e.pair] = pooled
            notes.append(Problem(number, "duplicate", f"{e.spun!r} -> {e.original!r} merged into line "
                                                      f"{line_of[e.pair]}: count {first.count} + {e.count}"
                                                      f" = {pooled.count}, weight "
                                                      f"{_fmt_weight(pooled.weight)}"))
        else:
            by_pair[e.pair] = e
            line_of[e.pair] = number
    order = list(by_pair)
    for previous, (pair, number) in zip(order, ((p, line_of[p]) for p in order[1:])):
        if pair < previous:
            notes.append(Problem(number, "unsorted", "entries sorted by (spun, original)"))
            break
    kept, removed = resolve_chains(by_pair.values())
    for e in removed:
        other = next(k for k in kept if k.spun == e.original or k.original == e.spun)
        notes.append(Problem(line_of[e.pair], "chain", f"{e.spun!r} -> {e.original!r} dropped for "
                                                       f"{other.spun!r} -> {other.original!r} (line "
                                                       f"{line_of[other.pair]}), with which it chains"))
    return kept, sorted(notes, key=lambda p: (p.line, p.kind, p.message))


# --------------------------------------------------------------------------- chains

def strength(e: Entry) -> float:
    """How much to trust an entry: count / (seen + 1), a weight shrunk towards 0 for few sightings."""
    return e.count / (e.seen + 1.0)


def resolve_chains(entries: Iterable[Entry], keep: Iterable[tuple[str, str]] = ()
                   ) -> tuple[list[Entry], list[Entry]]:
    """Drop the weakest entries until no original is also a spun key (so no cycles).

    Entries are accepted strongest first (:func:`strength`, then count, then the
    pair for determinism); one is refused when its original is an accepted spun
    key, or its spun key an accepted original.  Pairs in ``keep`` are accepted
    first whatever they form among themselves (existing entries a merge must not
    lose).  Returns (kept, removed), both sorted by (spun, original).
    """
    items = list(entries)
    must = set(keep)
    order = sorted(items, key=lambda e: (e.pair not in must, -strength(e), -e.count, e.pair))
    keys: set[str] = set()
    originals: set[str] = set()
    kept, removed = [], []
    for e in order:
        if e.pair in must or not (e.original in keys or e.spun in originals):
            kept.append(e)
            keys.add(e.spun)
            originals.add(e.original)
        else:
            removed.append(e)
    return sorted(kept, key=lambda e: e.pair), sorted(removed, key=lambda e: e.pair)


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's components (iterative), only those with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _cycle_path(start: str, graph: dict[str, list[str]], members: set[str]) -> list[str]:
    """One cycle through ``start`` inside a strongly connected component (BFS back to start)."""
    parent: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in graph.get(node, ()):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start]
            if child in members and child not in parent and child != start:
                parent[child] = node
                queue.append(child)
    return [start, start]  # unreachable for a real component


def _content_problems(entries: list[tuple[int, Entry]]) -> list[Problem]:
    problems: list[Problem] = []
    keys = {e.spun for _, e in entries}
    graph: dict[str, list[str]] = {}
    line_of: dict[tuple[str, str], int] = {}
    for number, e in entries:
        line_of.setdefault(e.pair, number)
        if e.spun != e.original:
            graph.setdefault(e.spun, []).append(e.original)
    cycles = _strongly_connected(graph)
    in_cycle = {node: i for i, comp in enumerate(cycles) for node in comp}
    for i, comp in enumerate(cycles):
        members = set(comp)
        edges = [line_of[(a, b)] for a in comp for b in graph.get(a, ()) if b in members]
        path = _cycle_path(comp[0], graph, members)
        problems.append(Problem(min(edges), "cycle", " -> ".join(repr(k) for k in path)))
    for number, e in entries:
        if e.spun == e.original:
            problems.append(Problem(number, "self-pair", f"{e.spun!r} -> itself"))
            continue
        if not _LETTER.search(e.original):
            problems.append(Problem(number, "not-a-word", f"original {e.original!r} has no letters"))
        if not _LETTER.search(e.spun):
            problems.append(Problem(number, "not-a-word", f"spun {e.spun!r} has no letters"))
        same_cycle = e.spun in in_cycle and in_cycle.get(e.original) == in_cycle[e.spun]
        if e.original in keys and not same_cycle:
            problems.append(Problem(number, "chain", f"original {e.original!r} of {e.spun!r} "
                                                     "is itself a spun key"))
    return problems


def _order_problems(entries: list[tuple[int, Entry]]) -> list[Problem]:
    problems: list[Problem] = []
    first_line: dict[tuple[str, str], int] = {}
    previous: tuple[str, str] | None = None
    for number, e in entries:
        if e.pair in first_line:
            problems.append(Problem(number, "duplicate", f"{e.spun!r} -> {e.original!r} "
                                                         f"already on line {first_line[e.pair]}"))
        else:
            first_line[e.pair] = number
            if previous is not None and e.pair < previous:
                problems.append(Problem(number, "unsorted", f"{e.spun!r} -> {e.original!r} comes "
                                                            f"after {previous[0]!r} -> {previous[1]!r}"))
        previous = max(previous, e.pair) if previous else e.pair
    return problems


def validate(path: str | os.PathLike) -> list[Problem]:
    """Every problem of a lexicon file, by line; [] when it is clean.

    Kinds: ``format`` (header, columns, numbers, key normalisation), ``unsorted``,
    ``duplicate``, ``self-pair``, ``not-a-word`` (no letters), ``chain`` (an
    original that is itself a spun key) and ``cycle`` (a -> b -> ... -> a; its
    entries are not reported as chains too).  A file that cannot be read raises
    :class:`LexiconError`.
    """
    return validate_text(_read_text(path))


def validate_text(text: str) -> list[Problem]:
    """:func:`validate` of a lexicon's text already read (standard input)."""
    entries, problems = _parse(text)
    problems += _order_problems(entries)
    problems += _content_problems(entries)
    return sorted(problems, key=lambda p: (p.line, p.kind, p.message))


# --------------------------------------------------------------------------- lookup

def guard_present(guard: str, normalised_document: str) -> bool:
    """True when ``guard`` (a key) occurs as whole words in an already :func:`normalise`-d text."""
    if not guard:
        return True
    return re.search(rf"(?<!\w){re.escape(guard)}(?!\w)", normalised_document) is not None


class Lexicon:
    """Read-only index: spun key -> senses, strongest first.

    >>> lex = Lexicon([Entry("funny cartoon", "comic strip", 3, 0.75, "", "test")])
    >>> lex.lookup("Funny  cartoon")[0].original
    'comic strip'
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        index: dict[str, list[Sense]] = {}
        for e in entries:
            index.setdefault(e.spun, []).append(Sense(e.original, e.weight, e.count, e.guard, e.source))
        self._index = {k: tuple(sorted(v, key=lambda s: (-s.weight, -s.count, s.original)))
                       for k, v in index.items()}
        self.max_tokens = max((len(TOKEN_RE.findall(k)) for k in self._index), default=0)

    @classmethod
    def load(cls, *paths: str | os.PathLike) -> Lexicon:
        """Index one or more lexicon files (format-checked, see :func:`read_lexicon`)."""
        return cls(e for path in paths for e in read_lexicon(path))

    def get(self, key: str) -> tuple[Sense, ...]:
        """Senses of an already normalised key; () when it is not listed."""
        return self._index.get(key, ())

    def lookup(self, text: str) -> tuple[Sense, ...]:
        """Senses of a span's text (normalised here)."""
        return self._index.get(normalise(text), ())

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def keys(self) -> list[str]:
        return sorted(self._index)

"""The pipeline, top-down: tokens → candidates → scores → decisions → rewrite → change log.

This module only wires the stages together; each stage lives in its own module. Two
families of rules feed the one change log: scrape and translation artifacts
(repair/artifacts.py) and spinning (repair/spin.py). Spin edits that overlap an artifact
repair (a word on a deleted duplicate line) are dropped.
"""
from __future__ import annotations

import bisect
import functools
import math
import numbers
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace

from .changes import Change, apply_changes
from .ignores import filter_changes, word_matcher

__all__ = ["Options", "Result", "DEFAULT_THRESHOLD", "SPUN_SCORE", "SPUN_THRESHOLD", "SPIN_RULES", "fix_and_explain",
           "check", "fix", "rule_table", "selected_rules"]

DEFAULT_THRESHOLD = 0.85  # = lexicons/spin_model.json "threshold", picked by scripts/train_spin.py
# The document gate's second threshold (= spin_model.json "spun_document"): a text whose spin score (expected
# spun words per word) is at least SPUN_SCORE reads as spun as a whole, and there edits down to
# SPUN_THRESHOLD are applied. No clean held-out document scored that high (Wikipedia at most 0.034, Wikinews
# 0.039); whole SpinBot articles the lexicon never saw score 0.065-0.086. See lexicons/README.md.
SPUN_SCORE = 0.05
SPUN_THRESHOLD = 0.4


@dataclass(frozen=True)
class Options:
    """Every knob of a run, with its default; override by keyword.

    Checked and normalised when made, so a bad value fails here, with a message saying what is
    wrong, rather than deep inside a run: the thresholds must be real numbers in [0, 1] (a
    TypeError for a string, None or a bool, a ValueError for nan or a number outside);
    ``lexicons``, ``select`` and ``ignore`` may be any iterable of strings (one string is one
    item) and become tuples; ``select`` may not be empty, and the rules must exist and leave
    one to run (ValueError); ``ignore_words`` may be any iterable of strings (a set, a list; one
    string is one word or phrase) and becomes a frozenset in lower case with inner whitespace
    collapsed, as an ignore-word file is read."""
    min_confidence: float = DEFAULT_THRESHOLD
    # the threshold in a text whose spin score is at least SPUN_SCORE; None: min_confidence everywhere
    # (so it is when min_confidence is given: a threshold the user chose holds for every text)
    spun_min_confidence: float | None = SPUN_THRESHOLD
    lexicons: tuple[str, ...] = ()  # user lexicon files (TSV), on top of the bundled ones
    select: tuple[str, ...] | None = None  # rule ids or prefixes ("spin", "artifact.space"); None: the defaults
    ignore: tuple[str, ...] = ()  # rule ids or prefixes left out
    ignore_words: frozenset[str] = frozenset()  # wordings never edited (lower case; see repair/ignores.py)

    def __post_init__(self) -> None:
        from .ignores import normalise_word

        def put(name: str, value) -> None:
            object.__setattr__(self, name, value)

        put("min_confidence", _threshold("min_confidence", self.min_confidence))
        if self.spun_min_confidence is not None:
            put("spun_min_confidence", _threshold("spun_min_confidence", self.spun_min_confidence))
        put("lexicons", tuple(_strings("lexicons", self.lexicons, paths=True)))
        put("ignore", tuple(_strings("ignore", self.ignore)))
        if self.select is not None:
            put("select", tuple(_strings("select", self.select)))
            if not self.select:
                raise ValueError("select is empty: a run that checks no rule checks nothing (give rule ids "
                                 "or prefixes, or 'all'; None: the rules on by default)")
        if self.select is not None or self.ignore:
            if not selected_rules(self.select, self.ignore):  # an unknown rule is a ValueError there
                raise ValueError("select and ignore leave no rule to run (see `repair rules`)")
        words = (normalise_word(w) for w in _strings("ignore_words", self.ignore_words))
        put("ignore_words", frozenset(w for w in words if w))

    def threshold(self, spin_score: float) -> float:
        """The threshold for a text with this spin score: the document gate's lower one in a text
        that reads as spun, else ``min_confidence``."""
        if self.spun_min_confidence is not None and spin_score >= SPUN_SCORE:
            return min(self.spun_min_confidence, self.min_confidence)
        return self.min_confidence

    @property
    def lowest_threshold(self) -> float:
        """The lowest threshold any text can get (that of a text that reads as spun)."""
        return self.threshold(1.0)


def _threshold(name: str, value) -> float:
    """``value`` as a threshold: a real number (not a bool) in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number between 0 and 1, not {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def _strings(name: str, value, *, paths: bool = False) -> list[str]:
    """The strings of ``value``, an iterable of them (one string: one item); ``paths``: file
    paths (``os.PathLike`` too), kept as given."""
    kinds = (str, os.PathLike) if paths else (str,)
    if isinstance(value, kinds):
        value = [value]
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be an iterable of strings, not {type(value).__name__}")
    items = list(value)
    for item in items:
        if not isinstance(item, kinds):
            raise TypeError(f"{name} must hold strings, not {type(item).__name__} ({item!r})")
    return [os.fspath(i) if paths else i for i in items]


SPIN_RULES = {  # id -> description; both on by default
    "spin.thesaurus": "a word or phrase swapped for a thesaurus synonym, restored from the inverse thesaurus",
    "spin.lexicon": "a wording a spin lexicon lists (bundled SpinBot and tortured phrases, or --lexicon)",
}


def rule_table() -> dict[str, tuple[str, bool]]:
    """Every rule: id -> (description, on by default)."""
    from .artifacts import RULES

    return {**{k: (v, True) for k, v in SPIN_RULES.items()},
            **{r.id: (r.description, r.default) for r in RULES.values()}}


def selected_rules(select: tuple[str, ...] | None = None, ignore: tuple[str, ...] = ()) -> frozenset[str]:
    """The rule ids a run uses: ``select`` (ids or prefixes, or ``all``; None: the rules on by
    default) minus ``ignore``. An id or prefix that names no rule is a ValueError."""
    from .rules import choose

    try:
        return choose({rid: on for rid, (_, on) in rule_table().items()}, select, ignore)
    except ValueError as exc:
        raise ValueError(f"{exc} (see `repair rules`)") from None


@dataclass(frozen=True)
class Result:
    text: str  # the repaired text
    changes: list[Change]  # applied changes (confidence >= threshold), in input order
    suggestions: list[Change] = field(default_factory=list)  # every scored proposal, applied or not
    spin_score: float = 0.0  # document-level spin rate estimate in [0, 1]
    threshold: float = DEFAULT_THRESHOLD  # the threshold this text got (Options.threshold of its spin score)


_OPTION_NAMES = tuple(f.name for f in fields(Options))


def _options(options: Options | None, overrides: dict) -> Options:
    """``options`` (None: the defaults) with the keyword ``overrides``, checked (see :class:`Options`)."""
    if options is not None and not isinstance(options, Options):
        raise TypeError(f"options must be a repair.Options, not {type(options).__name__}; give settings as "
                        "keywords (fix(text, min_confidence=0.7)) or as repair.Options(min_confidence=0.7)")
    unknown = sorted(set(overrides) - set(_OPTION_NAMES))
    if unknown:
        raise TypeError(f"unknown option {unknown[0]!r} (known: {', '.join(_OPTION_NAMES)})")
    if "min_confidence" in overrides:  # a threshold asked for holds everywhere unless a second is given too
        overrides = {"spun_min_confidence": None, **overrides}
    return replace(options or Options(), **overrides)


def _check_text(text) -> None:
    if isinstance(text, str):
        return
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError(f"text must be str, not {type(text).__name__}; decode it first (data.decode('utf-8'))")
    raise TypeError(f"text must be str, not {type(text).__name__}")


def fix_and_explain(text: str, options: Options | None = None, *, suggest=None, **overrides) -> Result:
    """Repair ``text``; return the repaired text with the change log that produced it.

    Changes on lines marked ``repair: ignore`` (or after ``repair: ignore-next-line``) and
    changes of an ignored word (``Options.ignore_words``) are dropped before anything is
    applied, so the log holds only what was kept.  ``suggest`` replaces the engine's
    proposal step, ``(text, Options) -> (changes, spin rate)``; batch workers pass it on
    (tests use it to run a stand-in engine).

    ``text`` must be a str (a TypeError otherwise: bytes are to be decoded first); ``options``
    a :class:`Options` or None, and ``overrides`` its fields by keyword, checked as
    :class:`Options` checks them (a TypeError or ValueError saying what is wrong)."""
    _check_text(text)
    opts = _options(options, overrides)
    suggestions, spin_rate = (suggest or _suggest)(text, opts)
    suggestions = filter_changes(text, suggestions, matcher=_word_matcher(opts.ignore_words))
    threshold = opts.threshold(spin_rate)
    applied = [c for c in suggestions if c.confidence >= threshold]
    return Result(apply_changes(text, applied), applied, suggestions, spin_rate, threshold)


_word_matcher = functools.lru_cache(maxsize=8)(word_matcher)


def check(text: str, options: Options | None = None, **overrides) -> list[Change]:
    """The changes ``fix`` would apply, without applying them."""
    return fix_and_explain(text, options, **overrides).changes


def fix(text: str, options: Options | None = None, **overrides) -> str:
    return fix_and_explain(text, options, **overrides).text


def _suggest(text: str, opts: Options) -> tuple[list[Change], float]:
    rules = selected_rules(opts.select, opts.ignore)
    if not text.strip():
        return [], 0.0
    from . import artifacts

    fixes = artifacts.find_artifacts(text, select=sorted(rules & artifacts.RULES.keys()))
    if not rules & SPIN_RULES.keys():
        return fixes, 0.0
    from . import spin  # the engine and its tables load on first use, never at import

    # every suggestion down to 1% is kept for the log; a lower threshold asks for more
    spun, rate = spin.suggest(text, channel=spin.default_channel(tuple(str(p) for p in opts.lexicons)),
                              floor=min(0.01, opts.lowest_threshold), rules=frozenset(rules & SPIN_RULES.keys()))
    starts = [f.start for f in fixes]
    spun = [c for c in spun if c.rule in rules and _clear_of(c, fixes, starts)]
    return sorted(fixes + spun, key=lambda c: (c.start, c.end)), rate


def _clear_of(c: Change, fixes: list[Change], starts: list[int]) -> bool:
    """Does ``c`` stay clear of ``fixes`` (sorted, non-overlapping; ``starts`` their starts)? Only
    the last fix starting at or before ``c`` and the first after it can overlap it."""
    k = bisect.bisect_right(starts, c.start)
    before = fixes[k - 1] if k else None
    after = fixes[k] if k < len(fixes) else None
    return not ((before is not None and (c.start < before.end or c.start == before.start))
                or (after is not None and after.start < c.end))

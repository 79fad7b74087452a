"""The pipeline, top-down: tokens → candidates → scores → decisions → rewrite → change log.

This module only wires the stages together; each stage lives in its own module. Two
families of rules feed the one change log: scrape and translation artifacts
(repair/artifacts.py) and spinning (repair/spin.py). Spin edits that overlap an artifact
repair (a word on a deleted duplicate line) are dropped.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field, replace

from .changes import Change, apply_changes
from .ignores import filter_changes, word_matcher

__all__ = ["Options", "Result", "DEFAULT_THRESHOLD", "SPIN_RULES", "fix_and_explain", "check", "fix", "rule_table",
           "selected_rules"]

DEFAULT_THRESHOLD = 0.6  # = lexicons/spin_model.json "threshold", picked by scripts/train_spin.py


@dataclass(frozen=True)
class Options:
    """Every knob of a run, with its default; override by keyword."""
    min_confidence: float = DEFAULT_THRESHOLD
    lexicons: tuple[str, ...] = ()  # user lexicon files (TSV), on top of the bundled ones
    select: tuple[str, ...] | None = None  # rule ids or prefixes ("spin", "artifact.space"); None: the defaults
    ignore: tuple[str, ...] = ()  # rule ids or prefixes left out
    ignore_words: frozenset[str] = frozenset()  # wordings never edited (lower case; see repair/ignores.py)


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
    changes: list[Change]  # applied changes (confidence >= min_confidence), in input order
    suggestions: list[Change] = field(default_factory=list)  # every scored proposal, applied or not
    spin_score: float = 0.0  # document-level spin rate estimate in [0, 1]


def _options(options: Options | None, overrides: dict) -> Options:
    return replace(options or Options(), **overrides)


def fix_and_explain(text: str, options: Options | None = None, *, suggest=None, **overrides) -> Result:
    """Repair ``text``; return the repaired text with the change log that produced it.

    Changes on lines marked ``repair: ignore`` (or after ``repair: ignore-next-line``) and
    changes of an ignored word (``Options.ignore_words``) are dropped before anything is
    applied, so the log holds only what was kept.  ``suggest`` replaces the engine's
    proposal step, ``(text, Options) -> (changes, spin rate)``; batch workers pass it on
    (tests use it to run a stand-in engine)."""
    opts = _options(options, overrides)
    suggestions, spin_rate = (suggest or _suggest)(text, opts)
    suggestions = filter_changes(text, suggestions, matcher=_word_matcher(opts.ignore_words))
    applied = [c for c in suggestions if c.confidence >= opts.min_confidence]
    return Result(apply_changes(text, applied), applied, suggestions, spin_rate)


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

    # every suggestion down to 1% is kept for the log; a lower min_confidence asks for more
    spun, rate = spin.suggest(text, channel=spin.default_channel(tuple(str(p) for p in opts.lexicons)),
                              floor=min(0.01, opts.min_confidence))
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

"""The pipeline, top-down: tokens → candidates → scores → decisions → rewrite → change log.

This module only wires the stages together; each stage lives in its own module.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .changes import Change, apply_changes

__all__ = ["Options", "Result", "DEFAULT_THRESHOLD", "fix_and_explain", "check", "fix"]

DEFAULT_THRESHOLD = 0.6  # = lexicons/spin_model.json "threshold", picked by scripts/train_spin.py


@dataclass(frozen=True)
class Options:
    """Every knob of a run, with its default; override by keyword."""
    min_confidence: float = DEFAULT_THRESHOLD
    lexicons: tuple[str, ...] = ()  # user lexicon files (TSV), on top of the bundled ones


@dataclass(frozen=True)
class Result:
    text: str  # the repaired text
    changes: list[Change]  # applied changes (confidence >= min_confidence), in input order
    suggestions: list[Change] = field(default_factory=list)  # every scored proposal, applied or not
    spin_score: float = 0.0  # document-level spin rate estimate in [0, 1]


def _options(options: Options | None, overrides: dict) -> Options:
    return replace(options or Options(), **overrides)


def fix_and_explain(text: str, options: Options | None = None, **overrides) -> Result:
    """Repair ``text``; return the repaired text with the change log that produced it."""
    opts = _options(options, overrides)
    suggestions, spin_rate = _suggest(text, opts)
    applied = [c for c in suggestions if c.confidence >= opts.min_confidence]
    return Result(apply_changes(text, applied), applied, suggestions, spin_rate)


def check(text: str, options: Options | None = None, **overrides) -> list[Change]:
    """The changes ``fix`` would apply, without applying them."""
    return fix_and_explain(text, options, **overrides).changes


def fix(text: str, options: Options | None = None, **overrides) -> str:
    return fix_and_explain(text, options, **overrides).text


def _suggest(text: str, opts: Options) -> tuple[list[Change], float]:
    if not text.strip():
        return [], 0.0
    from . import spin  # the engine and its tables load on first use, never at import

    # every suggestion down to 1% is kept for the log; a lower min_confidence asks for more
    return spin.suggest(text, channel=spin.default_channel(tuple(str(p) for p in opts.lexicons)),
                        floor=min(0.01, opts.min_confidence))

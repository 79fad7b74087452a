"""The change log: the product's spine.

Every edit the tool makes is a :class:`Change` holding code-point offsets into the
*input* text, the old and new wording, the rule that made it, a confidence, the
ranked candidates and a short reason.  Applying a log to the input gives the
output; reverting it on the output gives the input back, character for character.
Reports, diffs and batch jobs read this log; none of them recompute it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

__all__ = ["Candidate", "Change", "ChangeError", "apply_changes", "revert_changes",
           "changes_to_json", "changes_from_json"]


class ChangeError(ValueError):
    """A change log does not fit the text it is applied to."""


@dataclass(frozen=True)
class Candidate:
    text: str
    score: float  # posterior probability in [0, 1] among the span's hypotheses


@dataclass(frozen=True)
class Change:
    start: int  # code-point offset into the input, inclusive
    end: int  # code-point offset into the input, exclusive
    old: str
    new: str
    rule: str
    confidence: float
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    reason: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["candidates"] = [[c.text, round(c.score, 4)] for c in self.candidates]
        d["confidence"] = round(self.confidence, 4)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Change":
        try:
            cands = tuple(Candidate(str(t), float(s)) for t, s in d.get("candidates", ()))
            return cls(int(d["start"]), int(d["end"]), str(d["old"]), str(d["new"]),
                       str(d.get("rule", "")), float(d.get("confidence", 1.0)), cands,
                       str(d.get("reason", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ChangeError(f"malformed change entry: {exc}") from None


def _ordered(changes: Iterable[Change]) -> list[Change]:
    ordered = sorted(changes, key=lambda c: (c.start, c.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end or (b.start == a.end == b.end == a.start):
            raise ChangeError(f"overlapping changes at {a.start}-{a.end} and {b.start}-{b.end}")
    return ordered


def apply_changes(text: str, changes: Iterable[Change]) -> str:
    """Apply a change log to the text it was made from."""
    pieces, pos = [], 0
    for c in _ordered(changes):
        if not (0 <= c.start <= c.end <= len(text)) or text[c.start:c.end] != c.old:
            raise ChangeError(f"change at {c.start}-{c.end} expects {c.old!r}, "
                              f"text has {text[c.start:c.end]!r}")
        pieces.append(text[pos:c.start])
        pieces.append(c.new)
        pos = c.end
    pieces.append(text[pos:])
    return "".join(pieces)


def output_spans(changes: Iterable[Change]) -> list[tuple[Change, int, int]]:
    """Each change with the offsets its new wording occupies in the output."""
    spans, shift = [], 0
    for c in _ordered(changes):
        s = c.start + shift
        spans.append((c, s, s + len(c.new)))
        shift += len(c.new) - (c.end - c.start)
    return spans


def revert_changes(output: str, changes: Iterable[Change]) -> str:
    """Undo a change log on the text it produced, giving the input back."""
    pieces, pos = [], 0
    for c, s, e in output_spans(changes):
        if output[s:e] != c.new:
            raise ChangeError(f"change at output {s}-{e} expects {c.new!r}, text has {output[s:e]!r}")
        pieces.append(output[pos:s])
        pieces.append(c.old)
        pos = e
    pieces.append(output[pos:])
    return "".join(pieces)


def changes_to_json(changes: Sequence[Change], **extra) -> str:
    return json.dumps({**extra, "changes": [c.to_dict() for c in changes]}, ensure_ascii=False, indent=1)


def changes_from_json(data: str) -> list[Change]:
    """Read a log written as JSON (``{"changes": [...]}`` or a bare list) or JSONL."""
    data = data.strip()
    if not data:
        return []
    try:
        obj = json.loads(data)
    except json.JSONDecodeError:
        try:  # JSONL: split on "\n" only; U+2028 and friends may stand unescaped inside strings
            obj = [json.loads(line) for line in data.split("\n") if line.strip()]
        except json.JSONDecodeError as exc:
            raise ChangeError(f"change log is neither JSON nor JSONL: {exc}") from None
    if isinstance(obj, dict):
        obj = obj["changes"] if "changes" in obj else [obj] if "start" in obj else []
    if not isinstance(obj, list):
        raise ChangeError("change log must be a list of changes")
    return [Change.from_dict(d) for d in obj]

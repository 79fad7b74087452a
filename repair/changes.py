"""The change log: the product's spine.

Every edit the tool makes is a :class:`Change` holding code-point offsets into the
*input* text, the old and new wording, the rule that made it, a confidence, the
ranked candidates and a short reason.  Applying a log to the input gives the
output; reverting it on the output gives the input back, character for character.
Reports, diffs and batch jobs read this log; none of them recompute it.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

__all__ = ["Candidate", "Change", "ChangeError", "apply_changes", "revert_changes",
           "changes_to_json", "changes_from_json", "is_text", "log_entries"]


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
        """The change a log entry describes (the form :meth:`to_dict` writes).  Anything else
        (not an object, a required field missing, a field of the wrong type) is a ChangeError
        whose message is one line saying what is wrong."""
        if not isinstance(d, dict):
            raise ChangeError(f"expected a change (a JSON object), got {_json_kind(d)}")
        missing = [k for k in ("start", "end", "old", "new") if k not in d]
        if missing:
            raise ChangeError("missing " + ", ".join(f'"{k}"' for k in missing))
        start, end = _field(d, "start", int), _field(d, "end", int)
        if not 0 <= start <= end:
            raise ChangeError(f'"start" and "end" must satisfy 0 <= start <= end, got {start} and {end}')
        cands = d.get("candidates", [])
        if not isinstance(cands, list) or not all(
                isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and _is_number(c[1])
                for c in cands):
            raise ChangeError('"candidates" must be a list of [text, score] pairs')
        for k, c in enumerate(cands, 1):
            _text(f'"candidates" {k}', c[0])
        confidence = _field(d, "confidence", float, 1.0)
        if not 0.0 <= confidence <= 1.0:
            raise ChangeError(f'"confidence" must lie in 0..1, got {confidence}')
        return cls(start, end, _field(d, "old", str), _field(d, "new", str), _field(d, "rule", str, ""),
                   confidence, tuple(Candidate(t, float(s)) for t, s in cands), _field(d, "reason", str, ""))


def _json_kind(value) -> str:
    """What a JSON value is, for a message: "an object", "a list", "a string" or the value itself."""
    kinds = {dict: "an object", list: "a list", str: "a string"}
    return kinds.get(type(value)) or json.dumps(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_SURROGATE = re.compile("[\ud800-\udfff]")


def is_text(value: str) -> bool:
    """Is ``value`` Unicode text, free of lone surrogates (which JSON can spell and standard input
    makes of bytes it cannot decode), so that UTF-8 can hold it?"""
    return not _SURROGATE.search(value)


def _text(what: str, value: str) -> str:
    """``value`` checked to be Unicode text: JSON can spell a lone surrogate (``"\\ud800"``), which is
    no character, so no text can hold it and no UTF-8 file can be written with it."""
    m = _SURROGATE.search(value)
    if m:
        raise ChangeError(f"{what} is not valid text: it holds a lone surrogate "
                          f"(\\u{ord(m.group()):04x} at offset {m.start()})")
    return value


def _field(d: dict, key: str, kind: type, default=None):
    """``d[key]`` checked to be a JSON value of ``kind`` (int: a whole number; float: any finite
    number; str: text without a lone surrogate); ``default`` when the key is absent."""
    if key not in d:
        return default
    value = d[key]
    if kind is str and isinstance(value, str):
        return _text(f'"{key}"', value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is float and _is_number(value):
        return float(value)
    want = {str: "a string", int: "a whole number", float: "a finite number"}[kind]
    raise ChangeError(f'"{key}" must be {want}, got {_json_kind(value)}')


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
    """Read a log written as JSON (``{"changes": [...]}`` or a bare list) or JSONL (one change an
    object a line).  This is the one reader of change logs: anything that is not one of those
    forms, with every entry a change (see :meth:`Change.from_dict`), is a ChangeError whose
    one-line message names the entry ("change 3: ...", or "line 3: ..." in JSONL).  Which file
    each change belongs to is :func:`log_entries`'."""
    return [c for _, c in log_entries(data)]


def log_entries(data: str) -> list[tuple[str | None, Change]]:
    """Every change of a log with the path it belongs to (None where the log names none): the
    forms :func:`changes_from_json` reads, whose entries may carry a ``path`` (``fix --log``,
    ``check --format jsonl``, a batch run's log), and a list of ``{"path", "changes"}`` objects
    (``check --format json`` over several files).  A leading byte-order mark is passed over."""
    data = data[1:] if data.startswith("\ufeff") else data  # a Windows editor saved it
    if not data.strip():
        return []
    try:
        obj = json.loads(data)
    except json.JSONDecodeError:
        return _entries_from_jsonl(data)
    if isinstance(obj, dict):
        if "changes" in obj:
            return _file_entries(obj, "")
        if "start" in obj:  # one change: a JSONL log of one line
            return [_entry(obj, "change 1")]
        raise ChangeError('expected a list of changes or an object with "changes", '
                          'got an object without either')
    if not isinstance(obj, list):
        raise ChangeError(f"expected a list of changes or an object with \"changes\", got {_json_kind(obj)}")
    out = []
    for k, d in enumerate(obj, 1):
        if isinstance(d, dict) and "changes" in d and "start" not in d:
            out += _file_entries(d, f"file {k}, ")
        else:
            out.append(_entry(d, f"change {k}"))
    return out


def _file_entries(obj: dict, where: str) -> list[tuple[str | None, Change]]:
    """The changes of one ``{"path": ..., "changes": [...]}`` object, each with that path."""
    changes = obj["changes"]
    if not isinstance(changes, list):
        raise ChangeError(f'{where}"changes" must be a list of changes, got {_json_kind(changes)}')
    path = _path(obj, where)
    return [(path, _entry(d, f"{where}change {k}")[1]) for k, d in enumerate(changes, 1)]


def _entries_from_jsonl(data: str) -> list[tuple[str | None, Change]]:
    # split on "\n" only: U+2028 and friends may stand unescaped inside strings
    out = []
    for k, line in enumerate(data.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ChangeError(f"change log is neither JSON nor JSONL: line {k}, column {exc.colno}: "
                              f"{exc.msg}") from None
        out.append(_entry(obj, f"line {k}"))
    return out


def _entry(obj, where: str) -> tuple[str | None, Change]:
    """One change entry, with the ``path`` it names (None when it names none)."""
    try:
        change = Change.from_dict(obj)
    except ChangeError as exc:
        raise ChangeError(f"{where}: {exc}") from None
    return _path(obj, f"{where}: "), change


def _path(obj: dict, where: str) -> str | None:
    """The ``path`` a log object names (None when it names none); ``where`` prefixes a complaint."""
    path = obj.get("path")
    if path is not None and not isinstance(path, str):
        raise ChangeError(f'{where}"path" must be a string, got {_json_kind(path)}')
    return path

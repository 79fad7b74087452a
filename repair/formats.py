"""Output formats of ``repair check``: what editors, CI systems and other tools read.

=============== ===================================================================
``concise``     ``path:line:col: "old" -> "new" (0.93) rule``, one line a change (``text``
                is another name for it)
``full``        the same line, then the input line with the span underlined, the
                replacement and the reason
``json``        ``{"path", "spin_score", "threshold", "changes"}`` (an array of them for
                several inputs)
``jsonl``       one change a line, with its ``path``
``languagetool`` LanguageTool's ``/v2/check`` response (``software``, ``language``,
                ``matches``), plus a ``path``; an array for several inputs.  Offsets and
                lengths count UTF-16 code units, as LanguageTool's do, in the text
                without its byte-order mark
``sarif``       one SARIF 2.1.0 log (code scanning, IDE viewers): the rules, one result
                a change with its region and a fix; columns count code points
                (``columnKind`` says so)
``github``      GitHub Actions workflow commands, ``::warning file=…,line=…::message``,
                which annotate a pull request's diff
=============== ===================================================================

Lines and columns are 1-based; a line ends at a CRLF (once), a lone CR or an LF, as SARIF
counts them (:data:`repair.tokens.LINE_END`); a column counts code points (a BOM is not one),
and an end column is the one just after the span.  A :class:`Report` takes one input at a
time and returns what to print now; formats that make one document of all inputs (``json``,
``languagetool``, ``sarif``) print it at :meth:`Report.finish`.
"""
from __future__ import annotations

import bisect
import os
import re
import unicodedata
import urllib.parse
from pathlib import Path
from typing import Sequence

from .changes import Change
from .render import (LINE_END, LineIndex, concise_line, file_object, json_line, json_text, line_end, line_name,
                     quote, render_json, render_jsonl, render_text, shown_start)

__all__ = ["FORMATS", "SCORE_FORMATS", "ALIASES", "Report", "ScoreReport", "Utf16Index", "languagetool_response",
           "sarif_log", "github_lines", "full_text"]

FORMATS = ("concise", "full", "json", "jsonl", "languagetool", "sarif", "github")
SCORE_FORMATS = ("concise", "json", "jsonl")  # those that print a spin score (check --score)
ALIASES = {"text": "concise"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_BOM = "\ufeff"


def _tool_version() -> str:
    from . import __version__

    return __version__


def _rule_descriptions() -> dict[str, str]:
    from .pipeline import rule_table

    return {rid: desc for rid, (desc, _) in rule_table().items()}


def _message(c: Change) -> str:
    """``"old" -> "new" (0.93): reason`` in one line."""
    reason = " ".join(c.reason.split())
    return f"{quote(c.old)} -> {quote(c.new)} ({c.confidence:.2f})" + (f": {reason}" if reason else "")


# --- full: the line, underlined ------------------------------------------------------------

def _width(ch: str) -> int:
    if ch == _BOM or unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _pad(s: str) -> str:
    """Blank space as wide as ``s`` on a terminal (tabs kept as tabs)."""
    return "".join("\t" if ch == "\t" else " " * _width(ch) for ch in s)


_WINDOW = 60  # code points of a long line shown either side of the span


def full_text(path: str, text: str, changes: Sequence[Change]) -> str:
    """Each change as its concise line, the input line with ``^^^`` under the span and the
    replacement, and its reason.  Long lines are cut to the span and 60 characters either side.
    The line is the one the change is reported on (:func:`~repair.render.shown_start`)."""
    index = LineIndex(text)
    out = []
    for c in changes:
        start = shown_start(c)
        line_no, col = index.position(start)
        s = index.line_span(line_no)[0]
        line = text[s:line_end(text, s)]  # without its line end
        a = start - s
        b = max(a, min(c.end - s, len(line)))
        if line_no == 1 and line.startswith(_BOM):
            line, a, b = line[1:], max(0, a - 1), max(0, b - 1)
        lo, hi = max(0, a - _WINDOW), min(len(line), b + _WINDOW)
        shown = ("…" if lo else "") + line[lo:hi] + ("…" if hi < len(line) else "")
        before = ("…" if lo else "") + line[lo:a]
        carets = "^" * max(1, sum(_width(ch) for ch in line[a:b]))
        gutter = " " * len(str(line_no))
        new = quote(c.new) if c.new else "(delete)"
        out.append(concise_line(path, line_no, col, c) +
                   f"{gutter} |\n{line_no} | {shown}\n{gutter} | {_pad(before)}{carets} {new}\n")
        if c.reason.strip():
            out.append(f"{gutter} = {' '.join(c.reason.split())}\n")
        out.append("\n")
    return "".join(out)


# --- languagetool --------------------------------------------------------------------------

class Utf16Index:
    """Code-point offset -> UTF-16 code-unit offset, in the text without its BOM."""

    def __init__(self, text: str):
        self._astral = [m.start() for m in re.finditer("[\U00010000-\U0010FFFF]", text)]
        self._bom = text.startswith(_BOM)

    def offset(self, i: int) -> int:
        return i + bisect.bisect_left(self._astral, i) - (1 if self._bom and i > 0 else 0)


_CONTEXT = 40  # code points either side of a match, as LanguageTool's default context
_SENTENCE_END = re.compile(rf"(?<=[.!?])[\"'”’)\]]*\s+|{LINE_END.pattern}")


def _category(rule: str) -> dict:
    prefix = rule.split(".", 1)[0]
    names = {"spin": "Spun wording", "artifact": "Scrape and translation artifacts"}
    return {"id": prefix.upper(), "name": names.get(prefix, prefix.capitalize())}


def _sentence(text: str, start: int, end: int) -> str:
    s = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 2000), start):
        s = m.end()
    m = _SENTENCE_END.search(text, end)
    e = m.start() if m else len(text)
    return text[s:max(e, end)].strip().lstrip(_BOM)


def languagetool_response(text: str, changes: Sequence[Change], descriptions: dict[str, str] | None = None,
                          language: tuple[str, str] = ("English", "en")) -> dict:
    """A LanguageTool ``/v2/check`` response for ``text``: one match per change."""
    descriptions = _rule_descriptions() if descriptions is None else descriptions
    u16 = Utf16Index(text)
    base = 1 if text.startswith(_BOM) else 0  # the BOM is not part of the text LanguageTool sees
    matches = []
    for c in changes:
        lo, hi = max(min(base, c.start), c.start - _CONTEXT), min(len(text), c.end + _CONTEXT)
        head = "..." if lo > base else ""
        tail = "..." if hi < len(text) else ""
        ctx = head + re.sub(r"[\r\n\t]", " ", text[lo:hi]) + tail
        offset, length = u16.offset(c.start), u16.offset(c.end) - u16.offset(c.start)
        replacements = [c.new] + [k.text for k in c.candidates if k.text not in (c.new, c.old)]
        desc = descriptions.get(c.rule, c.rule)
        matches.append({
            "message": _message(c),
            "shortMessage": _category(c.rule)["name"],
            "replacements": [{"value": v} for v in replacements[:5]],
            "offset": offset,
            "length": length,
            "context": {"text": ctx, "offset": len(head) + _u16len(text[lo:c.start]), "length": length},
            "sentence": _sentence(text, c.start, c.end),
            "type": {"typeName": "Hint"},
            "rule": {"id": c.rule, "description": desc, "issueType": "style", "category": _category(c.rule)},
            "ignoreForIncompleteSentence": False,
            "contextForSureMatch": 0,
        })
    name, code = language
    return {
        "software": {"name": "repair", "version": _tool_version(), "buildDate": None, "apiVersion": 1,
                     "premium": False, "status": ""},
        "warnings": {"incompleteResults": False},
        "language": {"name": name, "code": code,
                     "detectedLanguage": {"name": name, "code": code, "confidence": 1.0}},
        "matches": matches,
    }


def _u16len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


# --- sarif ---------------------------------------------------------------------------------

def _uri(path: str) -> str:
    """A file's URI; a name that is not UTF-8 keeps its bytes (``caf%E9.txt``)."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return urllib.parse.quote(path.replace(os.sep, "/"), safe="/", errors="surrogateescape")


def _region(index: LineIndex, c: Change, *, exact: bool = False) -> dict:
    """The change's region: from where it is reported (:func:`~repair.render.shown_start`), or with
    ``exact`` from its very start (what a fix replaces), to its end."""
    line, col = index.position(c.start if exact else shown_start(c))
    end_line, end_col = index.position(c.end)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def sarif_log(files: Sequence[tuple[str, str, Sequence[Change]]], failures: Sequence[tuple[str, str]] = (),
              descriptions: dict[str, str] | None = None) -> dict:
    """One SARIF 2.1.0 log of ``files`` (path, text, changes): a run whose driver lists every
    rule, one result per change, and a notification per input that could not be read."""
    descriptions = dict(_rule_descriptions() if descriptions is None else descriptions)
    for _, _, changes in files:
        for c in changes:
            descriptions.setdefault(c.rule, c.rule)
    rule_ids = list(descriptions)
    rule_index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = [{"id": rid, "name": rid, "shortDescription": {"text": descriptions[rid]},
              "defaultConfiguration": {"level": "warning"}} for rid in rule_ids]
    results = []
    for path, text, changes in files:
        index = LineIndex(text)
        location = {"uri": _uri(path)}
        for c in changes:
            region = _region(index, c)
            snippet = c.old[shown_start(c) - c.start:]  # the text of the region
            results.append({
                "ruleId": c.rule,
                "ruleIndex": rule_index[c.rule],
                "level": "warning",
                "message": {"text": _message(c)},
                "locations": [{"physicalLocation": {"artifactLocation": location,
                                                    "region": {**region, "snippet": {"text": snippet}}}}],
                "fixes": [{"description": {"text": f"Replace with {quote(c.new)}"},
                           "artifactChanges": [{"artifactLocation": location, "replacements": [
                               {"deletedRegion": _region(index, c, exact=True),
                                "insertedContent": {"text": c.new}}]}]}],
                "properties": {"confidence": round(c.confidence, 4)},
            })
    notifications = [{"level": "error", "message": {"text": reason},
                      "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(path)}}}]}
                     for path, reason in failures]
    version = _tool_version()
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "repair", "version": version, "semanticVersion": version,
                                "rules": rules}},
            "invocations": [{"executionSuccessful": not failures,
                             "toolExecutionNotifications": notifications}],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


# --- github --------------------------------------------------------------------------------

def _gh_property(s: str) -> str:
    return (s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            .replace(":", "%3A").replace(",", "%2C"))


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_lines(path: str, text: str, changes: Sequence[Change]) -> str:
    """One ``::warning`` workflow command per change."""
    index = LineIndex(text)
    out = []
    for c in changes:
        r = _region(index, c)
        props = (f"file={_gh_property(path)},line={r['startLine']},col={r['startColumn']},"
                 f"endLine={r['endLine']},endColumn={r['endColumn']},title={_gh_property(c.rule or 'repair')}")
        out.append(f"::warning {props}::{_gh_data(_message(c))}\n")
    return "".join(out)


# --- a report over several inputs ------------------------------------------------------------

class Report:
    """Renders ``repair check`` results in ``fmt`` one input at a time.

    ``many``: several inputs (a folder, or more than one path) were given, so ``json`` and
    ``languagetool`` print an array even when only one input could be read."""

    def __init__(self, fmt: str, *, many: bool = False):
        fmt = ALIASES.get(fmt, fmt)
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.fmt, self.many = fmt, many
        self._files: list[tuple[str, str, Sequence[Change]]] = []  # sarif: every input, for one log
        self._failures: list[tuple[str, str]] = []
        self._objects: list[dict] = []  # json, languagetool: each input's object, for one array

    def add(self, path: str, text: str, changes: Sequence[Change], **extra) -> str:
        """Take one input's changes; return the text to print now. ``extra`` fields (the text's
        ``spin_score`` and ``threshold``) go into the ``json`` format's file object."""
        f = self.fmt
        if f == "concise":
            return render_text(path, text, changes)
        if f == "full":
            return full_text(path, text, changes)
        if f == "jsonl":
            return render_jsonl(path, text, changes)
        if f == "github":
            return github_lines(path, text, changes)
        if f == "json":
            if not self.many:
                return render_json(path, text, changes, **extra)
            self._objects.append(file_object(path, changes, **extra))
        elif f == "languagetool":
            response = {"path": path, **languagetool_response(text, changes)}
            if not self.many:
                return json_text(response)
            self._objects.append(response)
        elif f == "sarif":
            self._files.append((path, text, changes))
        return ""

    def failure(self, path: str, reason: str) -> None:
        """Note an input that could not be checked (SARIF reports it as a notification)."""
        self._failures.append((path, reason))

    def finish(self) -> str:
        """The text to print after the last input."""
        if self.fmt in ("json", "languagetool") and self.many:
            return json_text(self._objects)
        if self.fmt == "sarif":
            return json_text(sarif_log(self._files, self._failures))
        return ""


class ScoreReport:
    """``repair check --score``: each input's document spin score, in ``fmt``, one of
    :data:`SCORE_FORMATS` (the others describe changes, which --score does not print):

    * ``concise``: ``PATH<TAB>score``, the name as :func:`~repair.render.line_name` shows it, so
      ``sort -t$'\\t' -k2 -gr`` sorts it whatever the names hold;
    * ``json``: ``{"path", "spin_score", "threshold", "words"}``, the fields ``json`` gives a
      file without its changes (an array of them for several inputs, as ``json`` prints);
    * ``jsonl``: one such object a line."""

    def __init__(self, fmt: str, *, many: bool = False):
        fmt = ALIASES.get(fmt, fmt)
        if fmt not in SCORE_FORMATS:
            raise ValueError(f"--score prints {fmt!r} in none of its formats: use {', '.join(SCORE_FORMATS)}")
        self.fmt, self.many = fmt, many
        self._objects: list[dict] = []

    def add(self, path: str, spin_score: float, threshold: float | None, words: int) -> str:
        """Take one input's score; return the text to print now."""
        if self.fmt == "concise":
            return f"{line_name(path)}\t{spin_score:.4f}\n"
        obj = {"path": path, "spin_score": round(spin_score, 4), "threshold": threshold, "words": words}
        if self.fmt == "jsonl":
            return json_line(obj)
        if not self.many:
            return json_text(obj)
        self._objects.append(obj)
        return ""

    def finish(self) -> str:
        return json_text(self._objects) if self.fmt == "json" and self.many else ""

"""Thin renderers over a change log: text / JSON / JSONL listings and a unified diff.

Nothing here recomputes anything; it only formats :class:`~repair.changes.Change`
objects and the texts they were made from.
"""
from __future__ import annotations

import bisect
import difflib
import json
import os
import re
from typing import Sequence

from .changes import Change
from .tokens import LINE_END

__all__ = ["LINE_END", "line_start", "line_end", "LineIndex", "quote", "line_name", "shown_start", "concise_line",
           "render_text",
           "file_object", "render_json", "render_json_many", "render_jsonl", "json_line", "json_text", "unified_diff"]

_BOM = "\ufeff"


# Lines end at tokens.LINE_END (CRLF once, a lone CR, LF; no Unicode separator): these
# helpers and LineIndex are how the renderers and the artifact rules find them.
_BREAK_CHAR = re.compile(r"[\r\n]")  # the first character of every LINE_END


def line_start(text: str, pos: int) -> int:
    """The offset where the line holding ``pos`` starts: just after the last line end before it.
    ``pos`` between the CR and the LF of a CRLF is on the line that CRLF ends."""
    if 0 < pos < len(text) and text[pos - 1] == "\r" and text[pos] == "\n":
        pos -= 1
    window = 256  # look back a window at a time: the cost is that of the line, not of the text
    while True:
        lo = max(0, pos - window)
        last = max(text.rfind("\n", lo, pos), text.rfind("\r", lo, pos))
        if last >= 0 or lo == 0:
            return last + 1
        window *= 4


def line_end(text: str, pos: int) -> int:
    """The offset of the first line end at or after ``pos`` (``len(text)`` when there is none):
    where the content of the line holding ``pos`` stops."""
    m = _BREAK_CHAR.search(text, pos)
    return m.start() if m else len(text)


class LineIndex:
    """Code-point offset -> 1-based (line, column).

    Lines end at each :data:`LINE_END`: CRLF (once), a lone CR or LF, as SARIF and editors
    count them; columns count code points from the start of the line.  A byte-order mark at
    the very start is not counted: no editor shows it as a column.
    """

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in LINE_END.finditer(text)]
        self._bom = text.startswith(_BOM)
        self._end = len(text)

    def __len__(self) -> int:
        """The number of lines (a text ending in a line end has an empty last line)."""
        return len(self._starts)

    def line_span(self, line: int) -> tuple[int, int]:
        """The ``[start, end)`` offsets of 1-based ``line``, its line end included."""
        return self._starts[line - 1], self._starts[line] if line < len(self._starts) else self._end

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        col = offset - self._starts[line] + 1
        if line == 0 and self._bom and offset > 0:
            col -= 1
        return line + 1, col


def quote(s: str) -> str:
    """``s`` as a JSON string: quotes and newlines escaped, so a wording stays on one line."""
    return json.dumps(s, ensure_ascii=False)


_NAME_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
# on Windows a backslash separates folders (no name holds one, nor a tab or line end): kept as it is
_NAME_SPECIAL = re.compile("[\t\n\r\ud800-\udfff]" if os.sep == "\\" else "[\\\\\t\n\r\ud800-\udfff]")


def line_name(path: str) -> str:
    """``path`` as a line-oriented output shows it (``path:line:col: ...``, ``PATH<TAB>score``):
    a backslash, tab, line feed and carriage return escaped as ``\\\\``, ``\\t``, ``\\n``,
    ``\\r``, so a name can neither break a line nor add a column, and a lone surrogate (a name
    that is not UTF-8) as ``\\udce9``.  A name without these is shown as it is (on Windows,
    where a backslash separates folders, backslashes too)."""
    return _NAME_SPECIAL.sub(lambda m: _NAME_ESCAPES.get(m.group()) or f"\\u{ord(m.group()):04x}", path)


def shown_start(c: Change) -> int:
    """Where a change is reported (its line and column, a region's start): its ``start``, except
    that when its old wording starts with line ends and holds more than them (the deletion of a
    line with the line end before it, ``"\\nUpdated"``), the first character after them, the
    start of the line it removes.  Offsets (JSON, logs, a fix's region) stay exact."""
    rest = c.old.lstrip("\r\n")
    return c.start + len(c.old) - len(rest) if rest else c.start


def render_text(path: str, text: str, changes: Sequence[Change]) -> str:
    """One line per change: ``path:line:col: "old" -> "new" (0.93) rule``, at its :func:`shown_start`."""
    index = LineIndex(text)
    return "".join(concise_line(path, *index.position(shown_start(c)), c) for c in changes)


def concise_line(path: str, line: int, col: int, c: Change) -> str:
    """``path:line:col: "old" -> "new" (0.93) rule`` and a newline (``path`` as :func:`line_name`
    shows it)."""
    rule = f" {c.rule}" if c.rule else ""
    return f"{line_name(path)}:{line}:{col}: {quote(c.old)} -> {quote(c.new)} ({c.confidence:.2f}){rule}\n"


def file_object(path: str, changes: Sequence[Change], **extra) -> dict:
    """``{"path": ..., "changes": [...]}``, with any ``extra`` fields before the changes."""
    return {"path": path, **extra, "changes": [c.to_dict() for c in changes]}


def json_text(obj) -> str:
    """``obj`` as the tool prints a JSON document: indented by one space, UTF-8 text kept
    readable, and a final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def render_json(path: str, text: str, changes: Sequence[Change], **extra) -> str:
    """One JSON object ``{"path": ..., "changes": [...]}`` (and any ``extra`` fields before the changes)."""
    return json_text(file_object(path, changes, **extra))


def render_json_many(files: Sequence[tuple[str, Sequence[Change]]]) -> str:
    """A JSON array of ``{"path", "changes"}`` objects, one per file."""
    return json_text([file_object(p, cs) for p, cs in files])


# json.dumps escapes every control character but leaves these raw inside strings;
# str.splitlines() (and many line-oriented tools) would break a JSONL record at them.
_LINE_BREAKERS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(obj: dict) -> str:
    """``obj`` as one line of JSON (UTF-8 text kept readable, every line break escaped)."""
    return json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKERS) + "\n"


def render_jsonl(path: str, text: str, changes: Sequence[Change], **extra) -> str:
    """One change per line, each with a ``path`` field (and any ``extra`` fields)."""
    return "".join(json_line({"path": path, **extra, **c.to_dict()}) for c in changes)


def _lines(text: str) -> list[str]:
    # Split after "\n" only, as diff and patch do (this is a patch, not a view of line
    # numbers): CRLF stays on its line, and a form feed, U+2028 or even a lone CR -- a line
    # end everywhere else in this tool -- does not start a new one, or the patch would not apply.
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def _diff_label(prefix: str, label: str) -> str:
    """A diff header's file name: as it is, or, when it holds a line end, tab, quote, backslash or
    a byte that is not UTF-8, quoted with C escapes as git writes it ("a/two\\nlines.txt"), which
    GNU patch and git apply read back; a name with a line end would otherwise break the header."""
    name = prefix + label
    if not _DIFF_SPECIAL.search(name):
        return name
    return '"' + _DIFF_SPECIAL.sub(lambda m: _DIFF_ESCAPES.get(m.group()) or "".join(
        f"\\{b:03o}" for b in m.group().encode("utf-8", "surrogateescape")), name) + '"'


_DIFF_SPECIAL = re.compile(r'[\n\r\t"\\]|[\udc80-\udcff]')
_DIFF_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def unified_diff(path: str, old_text: str, new_text: str, *, context: int = 3) -> str:
    """A unified diff from ``old_text`` to ``new_text``, labelled ``a/path`` and ``b/path``.

    Line endings are kept byte for byte, and a last line without a newline is
    followed by ``\\ No newline at end of file`` as diff prints it, so the output
    applies with ``patch -p1`` or ``git apply``.  Empty when the texts are equal.
    """
    if old_text == new_text:
        return ""
    out, label = [], path.replace(os.sep, "/").lstrip("/")  # /tmp/x -> a/tmp/x, as git labels it
    for line in difflib.unified_diff(_lines(old_text), _lines(new_text), _diff_label("a/", label),
                                     _diff_label("b/", label), n=context, lineterm="\n"):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)

"""Diffs drawn from a change log: a unified diff and a word-level inline view.

Nothing here compares texts to find edits: the change log already says where
each edit is, so the word view marks exactly the logged spans, and the unified
diff is that of the input against the log applied to it.

The word view follows ``git diff --word-diff``: in plain form a deletion reads
``[-old-]`` and an insertion ``{+new+}``; in colour (a terminal) deletions are red
and struck through, insertions green, and the brackets are left out.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Sequence, TextIO

from .changes import Change, apply_changes
from .render import LINE_END, LineIndex, unified_diff

__all__ = ["Style", "PLAIN", "COLOUR", "use_colour", "inline", "word_diff", "unified", "colour_unified_diff"]


@dataclass(frozen=True)
class Style:
    """How deletions, insertions and labels look: ANSI escapes or git's plain markers."""
    colour: bool

    def deleted(self, s: str) -> str:
        return f"\x1b[31;9m{s}\x1b[m" if self.colour else f"[-{s}-]"

    def inserted(self, s: str) -> str:
        return f"\x1b[32m{s}\x1b[m" if self.colour else f"{{+{s}+}}"

    def bold(self, s: str) -> str:
        return f"\x1b[1m{s}\x1b[m" if self.colour else s

    def dim(self, s: str) -> str:
        return f"\x1b[2m{s}\x1b[m" if self.colour else s

    def cyan(self, s: str) -> str:
        return f"\x1b[36m{s}\x1b[m" if self.colour else s


PLAIN, COLOUR = Style(False), Style(True)


def use_colour(stream: TextIO, choice: str = "auto") -> bool:
    """Colour for ``choice`` ``always``/``never``; for ``auto``, when ``stream`` is a terminal
    and ``NO_COLOR`` is unset (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def inline(change: Change, style: Style, *, visible_breaks: bool = False) -> str:
    """``change`` as an inline edit: ``[-old-]{+new+}`` (either part left out when empty).

    ``visible_breaks`` shows line breaks inside the edit as ``↵`` so the edit stays on one
    line (the review prompt); a diff keeps them as they are.
    """
    old, new = change.old, change.new
    if visible_breaks:
        old, new = _visible(old), _visible(new)
    return (style.deleted(old) if old else "") + (style.inserted(new) if new else "")


def _visible(s: str) -> str:
    return s.replace("\r\n", "\u21b5").replace("\n", "\u21b5").replace("\r", "\u21b5")


def word_diff(path: str, text: str, changes: Sequence[Change], style: Style = PLAIN) -> str:
    """The lines of ``text`` that ``changes`` touch, each edit marked inline.

    Output as ``git diff --word-diff`` prints it: ``--- a/PATH`` and ``+++ b/PATH``,
    then one ``@@ -l,n +l,n @@`` hunk per run of touched lines (no context lines).
    Empty when there are no changes.  Line endings of the text are kept; a lone CR (which
    ends a line, as everywhere in this tool) gets a line feed after it, so that each line of
    the view is a line on a terminal too.
    """
    ordered = sorted(changes, key=lambda c: (c.start, c.end))
    apply_changes(text, ordered)  # a log that does not fit the text fails here, not halfway
    if not ordered:
        return ""
    lines = LineIndex(text)
    label = path.replace(os.sep, "/").lstrip("/")
    out = [style.bold(f"--- a/{label}") + "\n", style.bold(f"+++ b/{label}") + "\n"]
    shift = 0  # output lines minus input lines before the current hunk
    for group in _hunks(ordered, lines):
        first, last = _line_of(lines, group[0].start), _end_line(lines, group[-1])
        a, b = lines.line_span(first)[0], lines.line_span(last)[1]
        segment = text[a:b]
        marked, repaired, pos = [], [], a  # the hunk's lines with the edits marked, and as repaired
        for c in group:
            kept = text[pos:c.start]
            marked += [kept, inline(c, style)]
            repaired += [kept, c.new]
            pos = c.end
        marked.append(text[pos:b])
        repaired.append(text[pos:b])
        body = _LONE_CR.sub("\r\n", "".join(marked))
        n_old, n_new = _count_lines(segment), _count_lines("".join(repaired))
        # as diff -u: an empty range starts at the line before it
        a_at, b_at = first - 1 + bool(n_old), first - 1 + shift + bool(n_new)
        out.append(style.cyan(f"@@ -{a_at},{n_old} +{b_at},{n_new} @@") + "\n")
        out.append(body if body.endswith("\n") else body + "\n")
        shift += n_new - n_old
    return "".join(out)


def _line_of(lines: LineIndex, offset: int) -> int:
    """The 1-based line holding ``offset``."""
    return lines.position(offset)[0]


def _end_line(lines: LineIndex, c: Change) -> int:
    """The last line ``c`` touches (its first line when it inserts)."""
    return _line_of(lines, max(c.end - 1, c.start))


_LONE_CR = re.compile(r"\r(?!\n)")


def _count_lines(s: str) -> int:
    """The lines of ``s``: its line ends, and a last line without one."""
    return len(LINE_END.findall(s)) + (bool(s) and s[-1] not in "\r\n")


def _hunks(ordered: list[Change], lines: LineIndex) -> list[list[Change]]:
    """The changes grouped into hunks: changes that touch a common line share one."""
    groups: list[list[Change]] = []
    last_line = -1
    for c in ordered:
        first, end_line = _line_of(lines, c.start), _end_line(lines, c)
        if groups and first <= last_line:
            groups[-1].append(c)
            last_line = max(last_line, end_line)
        else:
            groups.append([c])
            last_line = end_line
    return groups


def colour_unified_diff(diff: str, style: Style) -> str:
    """A unified diff with its headers bold, hunk lines cyan, removals red, additions green."""
    if not style.colour:
        return diff
    out = []
    for line in re.findall(r"[^\n]*\n|[^\n]+", diff):  # a diff's lines end at \n only, as patch reads them
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if line.startswith(("--- ", "+++ ")):
            out.append(style.bold(body) + end)
        elif line.startswith("@@"):
            out.append(style.cyan(body) + end)
        elif line.startswith("-"):
            out.append(f"\x1b[31m{body}\x1b[m{end}")
        elif line.startswith("+"):
            out.append(f"\x1b[32m{body}\x1b[m{end}")
        else:
            out.append(line)
    return "".join(out)


def unified(path: str, text: str, changes: Sequence[Change], style: Style = PLAIN) -> str:
    """The unified diff of ``text`` against ``changes`` applied to it (as ``fix --diff``)."""
    return colour_unified_diff(unified_diff(path, text, apply_changes(text, changes)), style)

"""Suppressing changes: inline ``repair: ignore`` comments and ignore-word lists.

One function, :func:`filter_changes`, applied to the change list by the pipeline, so a
single file, standard input and a batch all honour the same ignores, and the change log
holds only the changes that were kept (applying or reverting it still gives the exact
texts).

* ``repair: ignore`` anywhere on a line (in any comment syntax, or none: ``<!-- repair:
  ignore -->``, ``# repair: ignore``, ``[repair: ignore]``; case-insensitive) suppresses
  every change that touches that line.
* ``repair: ignore-next-line`` suppresses every change that touches the next line.
* An ignore-word list (codespell's ``--ignore-words``): a change is dropped when its old
  wording contains a listed word or phrase as whole words, case-insensitively.  A list
  entry ``Kyiv`` keeps every change off the word "Kyiv", including a repair that would
  delete a line holding it; an entry ``spy company`` protects that phrase only.

A change touches a line when its span overlaps the line (its text and its line break);
an insertion (empty span) touches the line it is inserted into.
"""
from __future__ import annotations

import bisect
import os
import re
from typing import Iterable, Sequence

from .changes import Change
from .render import LineIndex
from .textio import read_file

__all__ = ["filter_changes", "ignored_lines", "normalise_word", "read_word_list", "word_matcher"]

_MARKER = re.compile(r"\brepair:[ \t]*ignore(-next-line)?(?![\w-])", re.IGNORECASE)


def ignored_lines(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` code-point spans of the lines whose changes are suppressed,
    sorted and merged.  A line runs from its first character through its line end (CRLF, a lone
    CR or LF: :data:`repair.tokens.LINE_END`)."""
    if "repair:" not in text.lower():  # the common case: one scan, no regex
        return []
    lines = LineIndex(text)
    spans: list[tuple[int, int]] = []
    for m in _MARKER.finditer(text):
        line = lines.position(m.start())[0] + (1 if m.group(1) else 0)
        if line <= len(lines):
            spans.append(lines.line_span(line))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _touches(c: Change, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Does ``c`` overlap one of ``spans`` (sorted, disjoint; ``starts`` their starts)?  Only
    the last span starting at or before ``c`` and the first after it can."""
    k = bisect.bisect_right(starts, c.start) - 1
    if k >= 0 and c.start < spans[k][1]:
        return True
    return k + 1 < len(spans) and spans[k + 1][0] < c.end


def word_matcher(words: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern finding any of ``words`` (words or phrases) as whole words, any case;
    None for an empty list.  Whitespace inside a phrase matches any whitespace."""
    parts = sorted({" ".join(w.split()) for w in words if w.strip()}, key=len, reverse=True)
    if not parts:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split(" "))) for p in parts)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def filter_changes(text: str, changes: Sequence[Change], ignore_words: Iterable[str] = (),
                   *, matcher: re.Pattern[str] | None = None) -> list[Change]:
    """``changes`` (of ``text``) less those on ignored lines and those whose old wording
    contains an ignored word.  ``matcher`` (from :func:`word_matcher`) saves rebuilding
    the pattern for every text."""
    if not changes:
        return list(changes)
    if matcher is None:
        matcher = word_matcher(ignore_words)
    spans = ignored_lines(text)
    starts = [s for s, _ in spans]
    return [c for c in changes
            if not (spans and _touches(c, spans, starts))
            and not (matcher is not None and matcher.search(c.old))]


def normalise_word(word: str) -> str:
    """An ignore-list entry as it is kept: lower case, inner whitespace collapsed to one space,
    none at the ends ("" for a blank one)."""
    return " ".join(word.split()).lower()


def read_word_list(path: str | os.PathLike) -> frozenset[str]:
    """The words of an ignore-word file: one word or phrase a line, ``#`` starts a
    comment, blank lines skipped; lower-cased with inner whitespace collapsed.
    Raises :class:`~repair.textio.InputError` (one line naming the file) when it
    cannot be read."""
    text = read_file(path)
    words = set()
    for line in text.splitlines():
        word = normalise_word(line.split("#", 1)[0])
        if word:
            words.add(word)
    return frozenset(words)

"""Stage 1: tokens with exact code-point offsets.

Only words, numbers and punctuation become tokens; everything between them
(spaces, newlines, CR, BOM, zero-width characters) is left where it is, so a
rewrite that touches token spans leaves every other character identical.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "tokenize", "lm_form", "line_break", "LINE_END", "TOKEN_RE"]

# A word is letters (with inner apostrophes: don't, Korea’s); a number keeps its
# inner separators (10,000 / 3.5); anything else that is not space is one token,
# except invisible format characters (BOM, zero-width space/joiners, word joiner,
# soft hyphen), which are left between tokens like space.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
TOKEN_RE = re.compile(rf"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s{_INVISIBLE}]|_", re.UNICODE)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def norm(self) -> str:
        return lm_form(self.text)


def lm_form(text: str) -> str:
    """The form the context tables are keyed on: lower case, straight apostrophe, digits as 0."""
    return _DIGIT.sub("0", text.lower().replace("’", "'"))


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


# The one definition of a line end, for every place that counts or splits lines (the
# renderers' line numbers, the artifact rules' lines, spans that stay on one line): CRLF
# (once), a lone CR (classic Mac OS) or LF -- as SARIF counts them, and as editors do.
# U+2028, U+2029, U+0085, vertical tab and form feed end no line (str.splitlines would end
# one there; SARIF, diff and patch do not).
LINE_END = re.compile(r"\r\n|\r|\n")


def line_break(gap: str) -> bool:
    """Does the text between two tokens end a line? LF, CRLF and a lone CR (old Mac files) each do
    (it holds a :data:`LINE_END`)."""
    return "\n" in gap or "\r" in gap

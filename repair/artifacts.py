"""Artifacts of scraping and translation, found as change-log entries.

A scraper or a machine-translation pipeline leaves traces that have nothing to do with
spinning: a header printed twice, an image caption repeated with the photo credit glued
to its last word ("meets soldiersAP"), page furniture on a line of its own ("Updated"),
mojibake ("Â£600m"), HTML entities ("&amp;"). Each fixer here is a *rule*: an id, a
one-line description, whether it runs by default, and a ``find(text)`` that returns
:class:`~repair.changes.Change` records with code-point offsets into the input, so that
``apply_changes`` repairs the text and ``revert_changes`` gives it back exactly.

========================  =======  ==========================================================
rule                      default  what it does, and what it leaves alone
========================  =======  ==========================================================
artifact.duplicate-line   on       the second of two identical lines in a row (blank lines
                                   between allowed) is deleted with the line breaks before it;
                                   the copies may differ by whitespace or by a photo credit at
                                   the end ("caption" / "captionAP", seed 003). Three or more
                                   copies in a row are left (a refrain, not a scrape), and so
                                   are lines far apart, blank lines, indented, code, table and
                                   CSV lines, and lines that are less than 40% letters.
artifact.glued-credit     on       an agency credit from a short list (AP, Reuters, AFP, Getty
                                   Images, EPA, PA Media, ...) glued to the last word of a line
                                   ("troopsReuters") is deleted. The word before it must be a
                                   common word in lower or title case and not a preposition
                                   or reporting verb ("toldReuters" is a missing space, not a
                                   credit), so CamelCase names (AstraZeneca, McDonald, iPhone,
                                   YouTube, JPMorgan) never match; the glued form must be no
                                   word itself.
artifact.mojibake         on       ftfy's encoding fixes only (no quote uncurling, width,
                                   ligature, line-break or normalisation fixes), line by line,
                                   turned into minimal character-level changes; the reason
                                   holds ftfy's steps. Where ftfy has to guess (a lost byte
                                   as U+FFFD or "†", a stray C1 control as a letter, "Ž")
                                   the confidence is 0.5.
artifact.entity           on       HTML entities ("&amp;", "&#39;", "&nbsp;", double-escaped
                                   "&amp;quot;") become their characters; not inside URLs or
                                   query strings, not on code lines, and not numeric entities
                                   that spell ASCII letters, digits or "&;#" (obfuscation).
artifact.furniture        on       a line that is nothing but page furniture ("Updated",
                                   "Advertisement", "Image caption", "Related Topics", "Skip to
                                   content", ...) is deleted with the blank lines that only
                                   it needed; never the only text, never a heading of a list.
artifact.space            off      two spaces between words become one; a space before "," "."
                                   ")" (and before ";" ":" "!" "?" unless the text reads as
                                   French) is deleted. Never indentation, tabs, aligned columns,
                                   ellipses, ".NET", ".5", or "( spaced )" parentheses.
artifact.fused-word       off      a lower-case token no dictionary knows ("thegovernment") is
                                   split where symspellpy's word segmentation splits it into
                                   two common words that also occur as a pair; names, acronyms,
                                   URLs, handles, hashtags, identifiers and numbers stay.
artifact.split-word       off      a word hyphenated at a line break ("govern-\\nment") is joined
                                   when the joined word is common, unless both halves are
                                   common words ("pick-\\nup") or the first is a prefix that
                                   keeps its hyphen ("co-\\noperate").
========================  =======  ==========================================================

The defaults were chosen by measurement: on clean prose (the 80 SpinBot originals, seed
000, 243 Wikinews articles) they make no edit; every edit they made on Wikipedia paragraphs
was a real extraction artifact. The opt-in rules make false edits there (Wikipedia's own
closed compounds, template gaps, Latin), so they wait to be asked for.

:func:`find_artifacts` runs the selected rules (the defaults, or ``select``/``ignore``
by id or prefix such as ``"artifact"``) and keeps non-overlapping changes: earlier start
first, then the longer one. It runs them again on their own output while that still has
something to repair ("X / Updated / X" repeats a line once "Updated" goes), folding the
later edits into one log on the input, so that repairing twice changes nothing more.
ftfy, wordfreq and symspellpy are imported by the rules that need them, on first use;
importing this module loads none of them.
"""
from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from .changes import Candidate, Change, apply_changes, output_spans
from .render import LINE_END, line_end, line_start
from .rules import choose

__all__ = ["CREDITS", "FURNITURE", "RULES", "Rule", "find_artifacts", "select_rules"]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    default: bool  # runs when nothing is selected
    find: Callable[[str], list[Change]]


def _change(start: int, end: int, text: str, new: str, rule: str, confidence: float, reason: str) -> Change:
    return Change(start, end, text[start:end], new, rule, confidence, (Candidate(new, confidence),), reason)


# ---------------------------------------------------------------------------------------------
# Lines

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_FENCE = re.compile(r"\s*(```|~~~)")
_CODE = re.compile(
    r"`|</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|[{}]|==|!=|=>|->|::|&&|\|\||\+\+|\w\([^()]*\)\s*;"
    r"|^\s*(?:def|class|import|from|return|var|let|const|function|#include|#define)\b")


class _Line(NamedTuple):
    start: int  # first code point (after a leading byte-order mark)
    end: int  # end of the content, before its line end (CRLF, a lone CR or LF)
    stop: int  # start of the next line
    text: str  # the content
    code: bool  # inside a fenced block, a fence, indented, or looks like code

    @property
    def blank(self) -> bool:
        return not self.text.strip(" \t\u00a0" + _INVISIBLE)


def _lines(text: str) -> Iterator[_Line]:
    """Every line of ``text`` with its offsets; CRLF, lone CR and a missing final newline are fine."""
    pos = 1 if text.startswith("\ufeff") else 0
    fenced = False
    while True:
        nl = LINE_END.search(text, pos)
        end, stop = (nl.start(), nl.end()) if nl else (len(text), len(text))
        content = text[pos:end]
        fence = bool(_FENCE.match(content))
        code = fenced or fence or content.startswith(("\t", "    ")) or bool(_CODE.search(content))
        fenced ^= fence
        yield _Line(pos, end, stop, content, code)
        if nl is None or stop == len(text):
            return
        pos = stop


@lru_cache(maxsize=2)
def _line_table(text: str) -> tuple[_Line, ...]:
    """The lines of ``text``, computed once for all the rules that run on it."""
    return tuple(_lines(text))


@lru_cache(maxsize=2)
def _code_spans(text: str) -> list[tuple[int, int]]:
    return [(ln.start, ln.stop) for ln in _line_table(text) if ln.code]


def _in_spans(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))


def _norm(s: str) -> str:
    """A line as compared: invisible characters dropped, runs of space made one."""
    return " ".join(s.translate(_DROP_INVISIBLE).split())


# ---------------------------------------------------------------------------------------------
# Photo and agency credits

# Words that end a line before an agency name when a *space* went missing, not a credit:
# "an interview withReuters", "he toldAFP".
_NOT_BEFORE_CREDIT = frozenset("""
a an the to of for from by with via per at in on into onto as and or than told tells tell said says
say asked contacted interviewed reported cited quoted reached according spoke speaking wrote writes
""".split())


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    """wordfreq's Zipf frequency of an English word (0 when unknown); wordfreq loads on first use."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


CREDITS = (
    "AP", "AP Photo", "AFP", "AFP via Getty Images", "Getty Images", "Getty", "Reuters", "EPA", "EPA-EFE",
    "PA Media", "PA", "PA Wire", "Bloomberg", "Bloomberg via Getty Images", "Shutterstock", "Alamy",
    "Xinhua", "Anadolu Agency", "Anadolu", "Yonhap", "TASS", "EFE", "ANSA", "Kyodo", "NurPhoto",
    "SOPA Images", "Sipa USA", "Reuters Pictures", "AAP",
)
# longest first, so that "Getty Images" wins over "Getty"
_CREDIT = "(?:" + "|".join(re.escape(c) for c in sorted(CREDITS, key=len, reverse=True)) + ")"
# one or more credits ("Reuters/AP", "Getty ImagesAFP"), then perhaps "/Photographer Name"
_CREDIT_RUN = rf"{_CREDIT}(?:\s?[/,]?\s?{_CREDIT})*(?:\s?/\s?[A-Z][\w.'’ -]{{0,60}})?"
# a credit glued to the last word of a line: "...meets soldiersAP"
_GLUED = re.compile(rf"(?<![\w@#/.\-’'])(?P<word>[A-Z]?[a-z]+)(?P<credit>{_CREDIT_RUN})[ \t]*$")
# a credit ending a line, glued or after a space, "Photo:" or "©", for comparing caption copies
_CREDIT_SUFFIX = re.compile(
    rf"(?<=[^\W\d_])\s*(?:(?:\(|\[|Photo:|Image:|Credit:|©)\s*)?{_CREDIT_RUN}[)\]]?$")
_CREDIT_ENDS = tuple({c.split()[-1] for c in CREDITS})


def _may_end_with_credit(line: str) -> bool:
    """A cheap test before the regular expressions: only these lines can end with a credit."""
    line = line.rstrip(" \t)]")
    return line.endswith(_CREDIT_ENDS) or "/" in line[-64:]


def _glued_credit(word: str, credit: str) -> bool:
    """Is ``word`` + ``credit`` a caption's last word with a credit glued on (not a name)?"""
    low = word.lower()
    return (len(low) >= 2 and low not in _NOT_BEFORE_CREDIT and _zipf(low) >= 3.0
            and _zipf((word + credit.split()[0]).lower()) < 2.0)


def find_glued_credits(text: str) -> list[Change]:
    out = []
    for ln in _line_table(text):
        if ln.code or not _may_end_with_credit(ln.text):
            continue
        m = _GLUED.search(ln.text, max(0, len(ln.text) - 160))  # the lookbehind still sees the whole line
        if m and _glued_credit(m["word"], m["credit"]):
            credit = m["credit"].rstrip()
            start = ln.start + m.start("credit")
            out.append(_change(start, start + len(credit), text, "", "artifact.glued-credit", 0.9,
                               f'credit "{credit}" glued to "{m["word"]}"'))
    return out


# ---------------------------------------------------------------------------------------------
# Duplicate lines

# Lines that may well repeat on purpose: table and CSV rows ("a,b,c"), a list's introduction
# ("Kansas City may also refer to:"), text with a gap where extraction dropped something
# ("For the , state (), we obtain") -- the copies may have differed in what was dropped.
_NOT_COMPARED = re.compile(r"\t|\||,[^\s\d][^,]*,[^\s\d]|:\s*$| [,.;:)]|\(\)")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _line_key(line: _Line) -> str | None:
    """What two copies of a line share: the normalised text without a trailing credit."""
    if line.code or line.text.startswith((" ", "\u00a0")) or _NOT_COMPARED.search(line.text):
        return None
    key = _norm(line.text)
    if sum(map(str.isalpha, key)) < max(1, 0.4 * len(key)):
        return None
    if any(map(str.isdigit, key)) and len(_WORD.findall(key)) < 5:
        return None  # a figure ("7.22 billion cu m (2006 est.)"): two items may well share it
    m = _may_end_with_credit(key) and _CREDIT_SUFFIX.search(key, max(0, len(key) - 200))
    if m and _norm(key[:m.start()]):
        return _norm(key[:m.start()])
    return key


def find_duplicate_lines(text: str) -> list[Change]:
    lines = [ln for ln in _line_table(text) if not ln.blank]
    keys = [_line_key(ln) for ln in lines]
    out = []
    i = 0
    while i < len(lines):
        j = i + 1
        while keys[i] is not None and j < len(lines) and keys[j] == keys[i]:
            j += 1
        if j - i == 2:  # exactly two copies; three or more in a row is a refrain
            first, second = lines[i], lines[i + 1]
            shown = keys[i] if len(keys[i]) <= 60 else keys[i][:59] + "…"
            reason, confidence = f'a second copy of the line "{shown}"', 0.97
            if _norm(first.text) != _norm(second.text):
                credit = (_norm(second.text)[len(keys[i]):] or _norm(first.text)[len(keys[i]):]).strip()
                reason, confidence = f'{reason}, one with the credit "{credit}"', 0.95
            out.append(_change(first.end, second.end, text, "", "artifact.duplicate-line", confidence,
                               reason))
        i = j
    return out


# ---------------------------------------------------------------------------------------------
# Page furniture

FURNITURE = frozenset(s.casefold() for s in (
    "Advertisement", "Advertisements", "Sponsored", "Sponsored content", "Share", "Share this",
    "Share this article", "Share this story", "Share on Facebook", "Share on Twitter", "Updated",
    "Published", "Image caption", "Media caption", "Image source", "Related Topics", "Related articles",
    "Related stories", "More on this story", "Skip to content", "Skip to main content", "Read more",
    "Continue reading", "Story continues below", "Story continues below advertisement",
))
_IMAGE_SOURCE = re.compile(rf"Image source,? {_CREDIT}(?:/{_CREDIT})?", re.IGNORECASE)
_LIST_ITEM = re.compile(r"\s*(?:[-*•–]\s|\d+[.)]\s)")


def _is_furniture(line: _Line) -> bool:
    if line.code:
        return False
    s = _norm(line.text).rstrip(":,")
    return bool(s) and s[0].isupper() and (s.casefold() in FURNITURE or bool(_IMAGE_SOURCE.fullmatch(s)))


def find_furniture(text: str) -> list[Change]:
    """One change per run of furniture lines (blank lines between them allowed)."""
    lines = _line_table(text)
    content = [i for i, ln in enumerate(lines) if not ln.blank]
    flags = [_is_furniture(lines[i]) for i in content]
    if all(flags):
        return []  # nothing but furniture: not a scraped page, leave it
    out = []
    first = 0
    while first < len(content):
        if not flags[first]:
            first += 1
            continue
        last = first
        while last + 1 < len(content) and flags[last + 1]:
            last += 1
        block = [lines[content[k]] for k in range(first, last + 1)]
        after = lines[content[last + 1]] if last + 1 < len(content) else None
        opens_paragraph = content[first] == 0 or lines[content[first] - 1].blank
        before = lines[content[first - 1]] if first > 0 else None
        first = last + 1
        if after is None:  # the text ends with it: delete back to the end of the content before
            start, end = before.end, block[-1].end
        elif _LIST_ITEM.match(after.text):
            continue  # a heading of a list ("Updated" / "- the FAQ"), not furniture
        elif opens_paragraph:  # a paragraph of its own: the blank lines after it go too
            start, end = block[0].start, after.start
        else:
            start, end = block[0].start, block[-1].stop
        words = ", ".join(f'"{_norm(ln.text)}"' for ln in block)
        plural = "s" if len(block) > 1 else ""
        out.append(_change(start, end, text, "", "artifact.furniture", 0.9,
                           f"page furniture line{plural} {words}"))
    return out


# ---------------------------------------------------------------------------------------------
# Mojibake (ftfy, encoding fixes only)

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=1)
def _ftfy_config():
    from ftfy import TextFixerConfig

    return TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_encoding=True,
                           restore_byte_a0=True, replace_lossy_sequences=True, decode_inconsistent_utf8=True,
                           fix_c1_controls=True, fix_latin_ligatures=False, fix_character_width=False,
                           uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False,
                           remove_control_chars=False, normalization=None, explain=True)


def _diff(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """The spans where ``a`` and ``b`` differ, as (a_start, a_end, b_start, b_end), minimal by character."""
    import difflib

    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    spans: list[list[int]] = []
    matcher = difflib.SequenceMatcher(None, a[p:len(a) - s], b[p:len(b) - s], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if spans and spans[-1][1] == p + i1 and spans[-1][3] == p + j1:
            spans[-1][1], spans[-1][3] = p + i2, p + j2
        else:
            spans.append([p + i1, p + i2, p + j1, p + j2])
    return [tuple(x) for x in spans]


_SEGMENT = 1000  # characters of a long line fixed and compared at a time
_SAFE_CUT = re.compile(r"(?<=[\x21-\x7e]) (?=[\x21-\x7e])")  # a space between two ASCII characters


def _segments(start: int, line: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of the parts of a line holding a non-ASCII character, cut at spaces between
    two ASCII characters about every ``_SEGMENT`` characters: no mojibake runs across such a
    space, and the character diff of a fix (:func:`_diff`) would take quadratic time or worse
    on a whole scraped page on one line."""
    pos = 0
    while pos < len(line):
        end = len(line)
        if end - pos > _SEGMENT:
            cut = None
            for cut in _SAFE_CUT.finditer(line, pos + _SEGMENT // 2, pos + _SEGMENT):
                pass
            end = cut.end() if cut is not None else end
        if not line[pos:end].isascii():
            yield start + pos, line[pos:end]
        pos = end


def _non_ascii_lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, content) of each line holding a non-ASCII character: mojibake can only be there."""
    pos = 0
    while m := _NON_ASCII.search(text, pos):
        start, end = line_start(text, m.start()), line_end(text, m.start())
        yield start, text[start:end]
        pos = end + 1


def find_mojibake(text: str) -> list[Change]:
    lines = list(_non_ascii_lines(text))
    if not lines:
        return []
    import ftfy

    out = []
    for start, line in (seg for line_start, whole in lines for seg in _segments(line_start, whole)):
        fixed, steps = ftfy.fix_and_explain(line, _ftfy_config())
        if fixed == line:
            continue
        reason = "ftfy: " + ", ".join(f"{action} {param}" for action, param in steps or ())
        for i1, i2, j1, j2 in _diff(line, fixed):
            new = fixed[j1:j2]
            old = line[i1:i2]
            # ftfy guessed: a lost byte became U+FFFD or a no-break space ("â€ " -> "†"), or a
            # stray C1 control became a Windows-1252 letter ("\x8e" -> "Ž"; its quotes and
            # dashes, "\x93" -> "“", are safe)
            guessed = "\ufffd" in new or ("\u2020" in new and ("transcode", "restore_byte_a0") in steps) \
                or (all("\x80" <= c <= "\x9f" for c in old) and any(c.isalpha() for c in new))
            confidence = 0.5 if guessed else 0.95
            out.append(_change(start + i1, start + i2, text, new, "artifact.mojibake", confidence, reason))
    return out


# ---------------------------------------------------------------------------------------------
# HTML entities

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ENTITY_TAIL = re.compile(r"(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_URLISH = re.compile(r"[a-z][a-z0-9+.-]*://|www\.|\w=[\w%&]|^[?/]|\w/\w", re.IGNORECASE)
_ABOUT_HTML = re.compile(r"\b(?:HTML|XHTML|XML|[Ee]ntit(?:y|ies))\b")


def _entity_value(entity: str) -> str | None:
    """The characters an entity stands for, or None when it is not one to decode."""
    if entity[1] != "#" and entity[1:] not in html.entities.html5:
        return None
    value = html.unescape(entity)
    if not value or "\ufffd" in value or any(c in "\t\n\r\x0b\x0c\u2028\u2029;#" for c in value) \
            or any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in value):
        return None  # nothing, controls, line breaks, or characters that build entities
    if entity[1] == "#" and value.isascii() and value.isalnum():
        return None  # "&#109;&#97;&#105;&#108;": an address obfuscated on purpose
    return value


def _chunk(text: str, pos: int) -> str:
    """The run of non-space characters around ``pos``."""
    start = pos
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = pos
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


def find_entities(text: str) -> list[Change]:
    code = _code_spans(text)
    out = []
    pos = 0
    for m in _ENTITY.finditer(text):
        if m.start() < pos or _in_spans(code, m.start()) or _URLISH.search(_chunk(text, m.start())):
            continue
        if _ABOUT_HTML.search(text, line_start(text, m.start()), line_end(text, m.start())):
            continue  # a line about HTML writes its entities on purpose
        value = _entity_value(m.group())
        if value is None:
            continue
        end = m.end()
        while value.endswith("&"):  # escaped twice: "&amp;quot;" -> "&quot;" -> '"'
            tail = _ENTITY_TAIL.match(text, end)
            more = tail and _entity_value("&" + tail.group())
            if not more:
                break
            value, end = value[:-1] + more, tail.end()
        pos = end
        out.append(_change(m.start(), end, text, value, "artifact.entity", 0.95,
                           f'HTML entity "{text[m.start():end]}"'))
    return out


# ---------------------------------------------------------------------------------------------
# Spacing (opt-in)

_DOUBLE_SPACE = re.compile(r"(?<=[^\W_])  (?=[^\W_])")
_SPACE_BEFORE = re.compile(r"(?<=[^\W_]|[\"'”’)\]])( +)([,.)]|[;:!?])(?=[\s\"'”’»]|$)")
_LAST_WORD = re.compile(r"([^\W\d_]+)\W*$")
# a space before punctuation after these words marks something cut out ("a frontage of , the")
_FUNCTION_WORDS = _NOT_BEFORE_CREDIT | frozenset("""
is are was were be been being that which who whom whose where when while if this these those its their
his her our your my we they he she it you i not no nor but so such than then there here what
""".split())
_FRENCH = re.compile(r"\b(?:le|la|les|des|est|une|et|pas|que|qui|dans|pour|sur|avec|ce|du|au)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|and|of|to|is|that|with|for|was|on|in|it|as)\b", re.IGNORECASE)


def _reads_french(s: str) -> bool:
    return "«" in s or "»" in s or len(_FRENCH.findall(s)) > len(_ENGLISH.findall(s))


def find_spacing(text: str) -> list[Change]:
    french_text = None  # looked at only when a space stands before ";:!?"
    out = []
    for ln in _line_table(text):
        if ln.code or ln.blank or "\t" in ln.text or "   " in ln.text or "|" in ln.text:
            continue
        for m in _DOUBLE_SPACE.finditer(ln.text):
            out.append(_change(ln.start + m.start(), ln.start + m.start() + 2, text, " ", "artifact.space", 0.8,
                               "two spaces between words"))
        for m in _SPACE_BEFORE.finditer(ln.text):
            mark = m.group(2)
            if mark in ";:!?":
                if french_text is None:
                    french_text = _reads_french(text)
                if french_text or _reads_french(ln.text):
                    continue  # French typography spaces these
            before, after = ln.text[m.start() - 1], ln.text[m.end(2):m.end(2) + 2]
            word = _LAST_WORD.search(ln.text, 0, m.start())
            if word and word.group(1).lower() in _FUNCTION_WORDS:
                continue  # "a frontage of , the": something was cut out here, not a stray space
            if mark == "." and (before == "." or after == " ."):
                continue  # ". . ." a spaced ellipsis
            if mark in ".," and before.isdigit() and after[1:].isdigit():
                continue  # "3 . 5", "1 , 000": numbers set apart, not a stray space
            if mark == ")":
                opening = ln.text.rfind("(", 0, m.start())
                if opening < 0 or ln.text[opening + 1:opening + 2] == " ":
                    continue  # "( spaced )" on purpose, or no parenthesis on this line
            start = ln.start + m.start(1)
            out.append(_change(start, start + len(m.group(1)), text, "", "artifact.space", 0.8,
                               f'space before "{mark}"'))
    return out


# ---------------------------------------------------------------------------------------------
# Fused and split words (opt-in)

_FUSED_CHUNK = re.compile(r"(?<!\S)[(\"'“‘\[]*(?P<word>[a-z]{5,})[)\"'”’\].,;:!?]*(?!\S)")


_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "ness")


@lru_cache(maxsize=1)
def _symspell():
    """symspellpy's English unigram and bigram dictionaries, loaded once (about a second)."""
    from importlib.resources import files

    from symspellpy import SymSpell

    sym = SymSpell(max_dictionary_edit_distance=0, prefix_length=7)
    data = files("symspellpy")
    for name, load in (("frequency_dictionary_en_82_765.txt", sym.load_dictionary),
                       ("frequency_bigramdictionary_en_243_342.txt", sym.load_bigram_dictionary)):
        if not load(str(data / name), 0, 2 if "bigram" in name else 1):
            raise RuntimeError(f"symspellpy dictionary {name} could not be loaded")
    return sym


def _split_fused(word: str) -> tuple[str, str] | None:
    if _zipf(word) > 0 or any(word.endswith(x) and _zipf(word[:-len(x)]) > 0 for x in _SUFFIXES):
        return None  # a word, or an inflection of one ("infields")
    sym = _symspell()
    if word in sym.words:
        return None
    parts = sym.word_segmentation(word, max_edit_distance=0).segmented_string.split()
    if len(parts) != 2 or "".join(parts) != word or min(map(len, parts)) < 3:
        return None  # "bit is", "cut in", "our on": Latin, jargon and transliterations split that way
    if min(_zipf(p) for p in parts) < 3.5 or f"{parts[0]} {parts[1]}" not in sym.bigrams:
        return None
    return parts[0], parts[1]


def find_fused_words(text: str) -> list[Change]:
    code = _code_spans(text)
    out = []
    for m in _FUSED_CHUNK.finditer(text):
        if _in_spans(code, m.start()):
            continue
        parts = _split_fused(m["word"])
        if parts:
            out.append(_change(m.start("word"), m.end("word"), text, " ".join(parts), "artifact.fused-word", 0.75,
                               f'"{m["word"]}" is no word; "{parts[0]}" and "{parts[1]}" are'))
    return out


_SPLIT = re.compile(r"(?<![\w-])(?P<a>[A-Za-z]?[a-z]+)(?P<gap>-[ \t]*(?:\r\n|\r|\n)[ \t]*)(?P<b>[a-z]+)(?![\w-])")
# prefixes that keep their hyphen: "co-operate", "re-cover", "e-mail", "pre-war"
_HYPHEN_PREFIXES = frozenset("""
co re pre post non anti self ex e semi multi pro counter cross mid over under out inter intra sub super
ultra neo pseudo quasi bi tri de un well ill half all vice
""".split())


def find_split_words(text: str) -> list[Change]:
    code = _code_spans(text)
    out = []
    for m in _SPLIT.finditer(text):
        a, b = m["a"], m["b"]
        if _in_spans(code, m.start()) or a.lower() in _HYPHEN_PREFIXES:
            continue
        joined = (a + b).lower()
        if _zipf(joined) < 3.0 or min(_zipf(a.lower()), _zipf(b)) >= 4.0:
            continue
        out.append(_change(m.start("gap"), m.end("gap"), text, "", "artifact.split-word", 0.85,
                           f'"{a}-" + "{b}" hyphenated at a line break; "{a + b}" is a word'))
    return out


# ---------------------------------------------------------------------------------------------
# The rule table and the runner

RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("artifact.duplicate-line", "a line printed twice in a row (a caption's copy may carry a credit)",
         True, find_duplicate_lines),
    Rule("artifact.glued-credit", "a photo/agency credit glued to the last word of a line", True,
         find_glued_credits),
    Rule("artifact.mojibake", "text decoded with the wrong encoding (ftfy's encoding fixes)", True,
         find_mojibake),
    Rule("artifact.entity", "HTML entities left in the text", True, find_entities),
    Rule("artifact.furniture", "a line of page furniture (Updated, Advertisement, Image caption, ...)", True,
         find_furniture),
    Rule("artifact.space", "two spaces between words, a space before punctuation", False, find_spacing),
    Rule("artifact.fused-word", "two words fused into one (thegovernment)", False, find_fused_words),
    Rule("artifact.split-word", "a word hyphenated at a line break (govern-/ment)", False, find_split_words),
)}


def select_rules(select: Iterable[str] | str | None = None, ignore: Iterable[str] | str | None = None) -> list[Rule]:
    """The rules to run: ``select`` (ids or prefixes; default: the rules on by default) minus ``ignore``."""
    chosen = choose({rid: r.default for rid, r in RULES.items()}, select, ignore, noun="artifact rule or prefix")
    return [r for rid, r in RULES.items() if rid in chosen]


def _resolve(changes: list[Change]) -> list[Change]:
    """Non-overlapping changes, sorted: of two that overlap, the earlier start wins, then the longer."""
    kept: list[Change] = []
    for c in sorted(changes, key=lambda c: (c.start, -(c.end - c.start), c.rule, c.new)):
        if kept:
            last = kept[-1]
            if c.start < last.end or c.start == last.start:
                continue
        kept.append(c)
    return kept


def _compose(text: str, first: list[Change], second: list[Change]) -> list[Change]:
    """One log on ``text`` doing ``first`` and then ``second`` (a log on first's output).

    A change of the second pass that overlaps an edit of the first (or touches it where
    one of the two is empty) is merged with it into one change; the others keep their own.
    """
    spans = output_spans(first)  # (change, start, end) in the intermediate text
    ends = [e for _, _, e in spans]
    shift = [0]  # shift[k]: input offset minus intermediate offset after the first k edits
    for c, os, oe in spans:
        shift.append(shift[-1] + (c.end - c.start) - (oe - os))

    def to_input(p: int, end: bool) -> int:
        """An intermediate offset outside every first-pass edit, as an input offset; at an
        empty edit, the start of a span maps before the deleted text and its end after it."""
        k = bisect.bisect_right(ends, p)
        while not end and k and spans[k - 1][1] == spans[k - 1][2] == p:
            k -= 1
        return p + shift[k]

    groups: list[tuple[list[int], list[Change]]] = []  # (first-pass indices, second-pass changes)
    out = []
    for s in second:
        i = bisect.bisect_left(ends, s.start)
        hits = []
        while i < len(spans) and spans[i][1] <= s.end:
            os, oe = spans[i][1], spans[i][2]
            if (s.start < oe and os < s.end) or os == oe or s.start == s.end:
                hits.append(i)
            i += 1
        if not hits:
            out.append(replace(s, start=to_input(s.start, False), end=to_input(s.end, True)))
        elif groups and groups[-1][0][-1] >= hits[0]:  # both lists are sorted: only the last group can share
            groups[-1][0].extend(i for i in hits if i > groups[-1][0][-1])
            groups[-1][1].append(s)
        else:
            groups.append((hits, [s]))
    mid = apply_changes(text, first)
    for members, changes in groups:
        lo = min(spans[members[0]][1], changes[0].start)
        hi = max(spans[members[-1]][2], changes[-1].end)
        new = apply_changes(mid[lo:hi], [replace(c, start=c.start - lo, end=c.end - lo) for c in changes])
        parts = [first[i] for i in members] + changes
        out.append(_change(to_input(lo, False), to_input(hi, True), text, new, first[members[0]].rule,
                           min(c.confidence for c in parts), "; then ".join(c.reason for c in parts)))
    merged = {i for members, _ in groups for i in members}
    out.extend(c for i, c in enumerate(first) if i not in merged)
    return sorted(out, key=lambda c: (c.start, c.end))


_PASSES = 4  # one repair can uncover another: "X / Updated / X" repeats a line once "Updated" goes


def find_artifacts(text: str, select: Iterable[str] | str | None = None,
                   ignore: Iterable[str] | str | None = None) -> list[Change]:
    """The artifacts the selected rules find in ``text``, as sorted, non-overlapping changes.

    The rules run again on their own output until it has nothing left to repair (at most
    four passes), so that the repair is idempotent; the log is always on ``text``.
    """
    rules = select_rules(select, ignore)
    changes: list[Change] = []
    current = text
    for _ in range(_PASSES):
        found = _resolve([c for rule in rules for c in rule.find(current)]) if current else []
        if not found:
            break
        changes = _compose(text, changes, found) if changes else found
        current = apply_changes(text, changes)
    return changes

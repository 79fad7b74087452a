"""``repair review``: go through suggested edits one at a time, as ``git add -p`` does.

Two layers, kept apart so the first has plain unit tests:

* :class:`ReviewState`, the decisions: accept, reject, pick a candidate, type a
  replacement, accept everything remaining at or above a confidence, undo, quit.
  It knows nothing about terminals.
* :func:`run`, the terminal loop: it shows each suggestion (its line with the edit
  marked, confidence, rule, reason, the other candidates numbered), reads one key
  and hands it to the state.  Keys come one at a time from a terminal (termios,
  no Enter needed) or, when standard input is not a terminal, one per line, so a
  review can be scripted: ``printf 'y\\nn\\nq\\n' | repair review FILE``.

The result is the accepted changes, with ``new`` set to the wording the reviewer
chose, so ``apply_changes(input, accepted) == output`` and reverting the accepted
changes on the output gives the input back.  Undecided changes are not applied.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, replace
from typing import Callable, Sequence, TextIO

from .changes import Candidate, Change, ChangeError, apply_changes, changes_to_json, is_text, log_entries
from .diffview import PLAIN, Style, inline
from .render import LineIndex, line_end, line_start, quote, render_jsonl, shown_start
from .textio import InputError, read_file, same_path

__all__ = ["Decision", "ReviewError", "ReviewState", "alternatives", "reviewable", "read_log", "recorded_path",
           "context", "show", "run", "key_reader", "KeyReader", "LineKeys", "TerminalKeys", "HELP", "render_log",
           "summary"]


class ReviewError(ValueError):
    """A key or value the review cannot act on (no such candidate, nothing to undo)."""


@dataclass(frozen=True)
class Decision:
    """What the reviewer decided about one change; ``new`` is the wording applied when accepted."""
    accepted: bool
    new: str = ""
    how: str = ""  # "", "candidate" or "edited": where a replacement other than the proposed one came from


def alternatives(change: Change) -> list[Candidate]:
    """The candidates a reviewer can pick instead of ``change.new``, best first: every ranked
    candidate except the proposed wording and the current one (keeping that is ``n``)."""
    seen, out = {change.new, change.old}, []
    for c in change.candidates:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


def reviewable(changes: Sequence[Change]) -> list[Change]:
    """``changes`` in text order, with any change that overlaps a more confident one left out,
    so that every combination of accepted changes can be applied."""
    kept: list[Change] = []
    for c in sorted(changes, key=lambda c: (-c.confidence, c.start, c.end)):
        if not any(c.start < k.end and k.start < c.end or (c.start == c.end == k.start == k.end)
                   for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: (c.start, c.end))


class ReviewState:
    """The decisions of one review, in the order of ``changes``.

    The current change is the first undecided one; every action decides it (or,
    for :meth:`accept_all`, it and later ones) and :meth:`undo` takes back the
    last action as a whole.  :meth:`quit` ends the review; changes still
    undecided then are not applied.
    """

    def __init__(self, changes: Sequence[Change]):
        self.changes: list[Change] = list(changes)
        self.decisions: list[Decision | None] = [None] * len(self.changes)
        self._history: list[list[int]] = []
        self.quitted = False

    @property
    def current(self) -> int | None:
        """Index of the change to decide next, or None when the review is over."""
        if self.quitted:
            return None
        return next((i for i, d in enumerate(self.decisions) if d is None), None)

    @property
    def done(self) -> bool:
        return self.current is None

    def _decide(self, indices: list[int], decisions: list[Decision]) -> None:
        for i, d in zip(indices, decisions):
            self.decisions[i] = d
        self._history.append(indices)

    def _now(self) -> int:
        i = self.current
        if i is None:
            raise ReviewError("the review is over")
        return i

    def accept(self) -> None:
        """Accept the current change as proposed."""
        i = self._now()
        self._decide([i], [Decision(True, self.changes[i].new)])

    def reject(self) -> None:
        """Keep the current wording."""
        i = self._now()
        self._decide([i], [Decision(False)])

    def pick(self, n: int) -> str:
        """Accept the current change with its ``n``-th alternative (1-based); return that wording."""
        i = self._now()
        alts = alternatives(self.changes[i])
        if not 1 <= n <= len(alts):
            raise ReviewError(f"no candidate {n}" + (f" (1-{len(alts)})" if alts else " (there are none)"))
        self._decide([i], [Decision(True, alts[n - 1].text, "candidate")])
        return alts[n - 1].text

    def edit(self, text: str) -> None:
        """Accept the current change with ``text`` as its new wording.  Typing the current
        wording rejects it; typing the proposed one accepts it as proposed."""
        i = self._now()
        c = self.changes[i]
        if text == c.old:
            self._decide([i], [Decision(False)])
        elif text == c.new:
            self._decide([i], [Decision(True, c.new)])
        else:
            self._decide([i], [Decision(True, text, "edited")])

    def accept_all(self, min_confidence: float) -> int:
        """Accept the current change and every later undecided one whose confidence is at
        least ``min_confidence``; return how many.  The others stay to be reviewed."""
        start = self._now()
        chosen = [i for i in range(start, len(self.changes))
                  if self.decisions[i] is None and self.changes[i].confidence >= min_confidence]
        if chosen:
            self._decide(chosen, [Decision(True, self.changes[i].new) for i in chosen])
        return len(chosen)

    def undo(self) -> list[int]:
        """Take back the last action (all changes an accept-all decided); return their indices."""
        if not self._history:
            raise ReviewError("nothing to undo")
        indices = self._history.pop()
        for i in indices:
            self.decisions[i] = None
        self.quitted = False
        return indices

    def quit(self) -> None:
        """End the review, keeping the decisions made."""
        self.quitted = True

    def accepted(self) -> list[Change]:
        """The accepted changes in text order, each with the wording chosen for it."""
        out = []
        for c, d in zip(self.changes, self.decisions):
            if d is not None and d.accepted:
                note = {"candidate": "candidate chosen in review", "edited": "edited in review"}.get(d.how)
                reason = f"{c.reason}; {note}" if note and c.reason else note or c.reason
                out.append(replace(c, new=d.new, reason=reason))
        return out

    def counts(self) -> tuple[int, int, int]:
        """(accepted, rejected, undecided)."""
        acc = sum(1 for d in self.decisions if d is not None and d.accepted)
        rej = sum(1 for d in self.decisions if d is not None and not d.accepted)
        return acc, rej, len(self.decisions) - acc - rej


def read_log(log_path: str, text: str, name: str, path: str | None = None) -> list[Change]:
    """The changes for the file ``path`` (shown as ``name``; its content ``text``) in the change
    log at ``log_path`` (JSON or JSONL, as ``fix --log`` or ``check --format json|jsonl`` write
    it), checked to fit ``text`` (overlapping changes do not) and in text order whatever the
    log's order.  A log naming several files (a folder's run) gives the changes recorded under
    one of its paths, the one that is ``path`` (see :func:`recorded_path`), and is refused when
    none is.  Raises InputError with one line when it cannot be read, has none of the file's
    changes, cannot tell which of its paths is the file, or does not fit."""
    data = read_file(log_path)
    try:
        entries = log_entries(data)
    except ChangeError as exc:
        raise InputError(f"{log_path}: not a change log: {exc}") from None
    named = {p for p, _ in entries if p is not None}
    if len(named) > 1:  # several files' changes: this file's only
        try:
            mine = recorded_path(named, name, path)
        except LookupError as exc:
            raise InputError(f"{log_path}: {exc}") from None
        entries = [(p, c) for p, c in entries if p == mine]
    changes = sorted((c for _, c in entries), key=lambda c: (c.start, c.end))
    try:
        apply_changes(text, changes)
    except ChangeError as exc:
        raise InputError(f"{log_path}: does not fit {name}: {exc}") from None
    return changes


def recorded_path(recorded: set[str], name: str, path: str | None = None) -> str:
    """Which of a log's ``recorded`` paths is the file asked about (given as ``path``, shown as
    ``name``): the one spelled as asked; else the one that is the same path once made absolute
    and normalised ("./a.txt", "/home/me/a.txt"); else, only then, the one that is the same
    file (a symlink to it, a hard link).  Entries of two recorded paths are never merged: two
    folder entries may well be one file (a symlink beside its target), each with its own
    changes.  A LookupError (its message one line) when none is, or when several are and
    nothing tells them apart."""
    if name in recorded:
        return name
    if path is None or path == "-":
        raise LookupError(f"holds the changes of {len(recorded)} other files, none of {name}")
    here = _absolute(path)
    for kind, match in (("path", lambda p: _absolute(p) == here), ("file", lambda p: same_path(p, path))):
        found = sorted(p for p in recorded if match(p))
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(found[:-1]) + " and " + found[-1]
            each = "both" if len(found) == 2 else "all"
            raise LookupError(f"{listed} are {each} the {kind} {name}, each with its own changes; "
                              f"name it as the log does (one of those paths)")
    raise LookupError(f"holds the changes of {len(recorded)} other files, none of {name}")


def _absolute(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def context(text: str, change: Change, style: Style = PLAIN, width: int = 60) -> str:
    """The line ``change`` is on, with the edit marked inline and the line cut to about
    ``width`` code points either side of it (at a space, marked ``…``)."""
    before = text[line_start(text, change.start):change.start].lstrip("\ufeff")
    after = text[change.end:line_end(text, change.end)]
    if len(before) > width:
        cut = before.find(" ", len(before) - width)
        before = "\u2026" + before[cut + 1 if 0 <= cut < len(before) - 1 else len(before) - width:]
    if len(after) > width:
        cut = after.rfind(" ", 0, width)
        after = after[:cut if cut > 0 else width] + "\u2026"
    return before + inline(change, style, visible_breaks=True) + after


HELP = """\
y - accept this change
n - reject it (keep the current wording)
1-9 - accept it with candidate N instead
e - type a replacement (an empty line cancels)
a - accept this and every remaining change at or above a confidence (asks; default {threshold})
u - undo the last decision
q - quit; changes not yet decided are not applied
? - print this help
"""


class KeyReader:
    """Where keys and typed lines come from; :meth:`key` returns "" at end of input."""

    def key(self, prompt: str) -> str:
        raise NotImplementedError

    def line(self, prompt: str) -> str | None:
        raise NotImplementedError


class LineKeys(KeyReader):
    """One key per line (the first non-blank character), for scripts and pipes."""

    def __init__(self, stream: TextIO, out: TextIO):
        self.stream, self.out = stream, out

    def _readline(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.stream.readline()
        if not line:
            self.out.write("\n")
            return None
        self.out.write(line.rstrip("\r\n") + "\n")  # echo, so a transcript reads like a session
        return line.rstrip("\r\n")

    def key(self, prompt: str) -> str:
        line = self._readline(prompt)
        return "" if line is None else (line.strip()[:1] or "\n")

    def line(self, prompt: str) -> str | None:
        return self._readline(prompt)


class TerminalKeys(KeyReader):
    """Single keys from a terminal: no echo, no Enter (termios, restored after every key)."""

    def __init__(self, fd: int, out: TextIO):
        self.fd, self.out = fd, out

    def key(self, prompt: str) -> str:
        import termios

        self.out.write(prompt)
        self.out.flush()
        saved = termios.tcgetattr(self.fd)
        raw = termios.tcgetattr(self.fd)
        raw[3] &= ~(termios.ICANON | termios.ECHO)  # lflag; ISIG stays, so Ctrl-C interrupts
        raw[6][termios.VMIN], raw[6][termios.VTIME] = 1, 0
        try:
            termios.tcsetattr(self.fd, termios.TCSANOW, raw)
            data = os.read(self.fd, 1)
            if data == b"\x1b" or (data and data[0] >= 0x80):
                self._drain()  # arrow keys and other escape sequences, non-ASCII: not keys of ours
                data = b"\x1b"
        finally:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, saved)
        key = "" if data in (b"", b"\x04") else data.decode("ascii", "replace")
        self.out.write((key if key.isprintable() else "") + "\n")
        return key

    def _drain(self) -> None:
        import select

        while select.select([self.fd], [], [], 0.05)[0]:
            if not os.read(self.fd, 16):
                break

    def line(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        try:
            return input()
        except EOFError:
            self.out.write("\n")
            return None


def _prompt(state: ReviewState, style: Style) -> str:
    c = state.changes[state.current]
    n = len(alternatives(c))
    keys = "y,n," + (f"1-{min(n, 9)}," if n > 1 else "1," if n == 1 else "") + "e,a,u,q,?"
    return style.bold(f"Apply this change [{keys}]? ")


def show(state: ReviewState, text: str, index: LineIndex, style: Style, columns: int = 80) -> str:
    """The block shown for the current change, its line cut to fit ``columns``."""
    i = state.current
    c = state.changes[i]
    edit = len(c.old) + len(c.new) + (0 if style.colour else 6)
    line, _ = index.position(shown_start(c))  # a deleted line is on its own line, as check says
    head = f"({i + 1}/{len(state.changes)}) line {line} \u00b7 {c.rule or 'no rule'} \u00b7 confidence {c.confidence:.2f}"
    rows = [style.cyan(head), "  " + context(text, c, style, width=max(12, (columns - 4 - edit) // 2))]
    if c.reason:
        rows.append(style.dim(f"  reason: {c.reason}"))
    alts = alternatives(c)[:9]
    if alts:
        rows.append("  candidates: " + "   ".join(f"{k} {quote(a.text)} {a.score:.2f}"
                                                 for k, a in enumerate(alts, 1)))
    keep = next((a for a in c.candidates if a.text == c.old), None)
    if keep is not None:
        rows.append(style.dim(f"  keeping {quote(c.old)}: {keep.score:.2f}"))
    return "\n".join(rows) + "\n"


def run(state: ReviewState, text: str, keys: KeyReader, out: TextIO, *, threshold: float,
        style: Style = PLAIN) -> ReviewState:
    """Ask about each change of ``state`` until all are decided or the reviewer quits."""
    index = LineIndex(text)
    shown = None
    while not state.done:
        if shown != state.current:
            columns = shutil.get_terminal_size((80, 24)).columns
            out.write("\n" + show(state, text, index, style, columns))
            shown = state.current
        key = keys.key(_prompt(state, style))
        try:
            if not _act(state, key, keys, out, threshold):
                out.write(f"unknown key {key!r}; ? for help\n")
        except ReviewError as exc:
            out.write(f"{exc}\n")
    return state


def _act(state: ReviewState, key: str, keys: KeyReader, out: TextIO, threshold: float) -> bool:
    handlers: dict[str, Callable[[], None]] = {
        "y": state.accept, "n": state.reject, "q": state.quit, "": state.quit,
        "?": lambda: out.write(HELP.format(threshold=f"{threshold:.2f}")),
    }
    if key in handlers:
        handlers[key]()
    elif key.isdigit() and key != "0":
        state.pick(int(key))
    elif key == "e":
        typed = keys.line(f"Replace {quote(state.changes[state.current].old)} with: ")
        if typed and not is_text(typed):
            out.write("that is not UTF-8 text (the terminal sent bytes it could not decode); edit cancelled\n")
        elif typed:
            state.edit(typed)
        else:
            out.write("edit cancelled\n")
    elif key == "a":
        answer = keys.line(f"Accept every remaining change with confidence at least [{threshold:.2f}]: ")
        if answer is None:
            return True
        try:
            floor = float(answer) if answer.strip() else threshold
        except ValueError:
            raise ReviewError(f"{answer.strip()!r} is not a number between 0 and 1") from None
        if not 0.0 <= floor <= 1.0:
            raise ReviewError(f"{floor} is not between 0 and 1")
        n = state.accept_all(floor)
        out.write(f"accepted {n} change{'s' * (n != 1)} at or above {floor:.2f}\n")
    elif key == "u":
        undone = state.undo()
        out.write(f"undid the decision on {len(undone)} change{'s' * (len(undone) != 1)}\n")
    else:
        return False
    return True


def key_reader(out: TextIO, stdin: TextIO | None = None) -> KeyReader:
    """Single keys from the terminal on standard input; one key per line otherwise."""
    stdin = stdin or sys.stdin
    try:
        if stdin.isatty():
            import termios  # noqa: F401 - not on every platform; fall back to lines without it

            return TerminalKeys(stdin.fileno(), out)
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    return LineKeys(stdin, out)


def render_log(name: str, changes: Sequence[Change], log_path: str, **extra) -> str:
    """The accepted changes as a change log: JSON, or JSONL when ``log_path`` ends with .jsonl."""
    if log_path.endswith(".jsonl"):
        return render_jsonl(name, "", changes, **extra)
    return changes_to_json(changes, **extra, path=name) + "\n"


def summary(state: ReviewState) -> str:
    """One line: how many changes were accepted (and how many with another wording), rejected
    and left undecided."""
    acc, rej, undecided = state.counts()
    edited = sum(1 for d in state.decisions if d is not None and d.accepted and d.how)
    return (f"{acc} accepted" + (f" ({edited} with another wording)" if edited else "")
            + f", {rej} rejected, {undecided} not decided")

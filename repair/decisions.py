"""Decisions files: which logged changes a reviewer accepted, per input file.

``repair report`` embeds one in its HTML page and the page's "Export decisions"
button saves it; ``repair apply`` turns it into the final files.  The format::

    {"version": 1,
     "base": "/home/me/articles",
     "files": [{"path": "article.txt",
                "sha256": "<hex digest of the input's bytes>",
                "changes": [{...a change-log entry..., "accepted": true}, ...]}]}

``path`` is as given to ``repair report``; ``base`` is the folder it ran in (absolute),
and a relative ``path`` is relative to it, wherever ``apply`` runs.  A decisions file
without ``base`` (made before it was recorded) has its relative paths read from the
current folder.  ``sha256`` lets ``apply`` refuse an input that changed since the
report: the changes' offsets would no longer fit it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .changes import Change, ChangeError, apply_changes, log_entries
from .textio import InputError, read_text, same_path, write_atomic

__all__ = ["VERSION", "DecisionsError", "FileDecisions", "sha256_text", "file_entry", "document",
           "parse", "output_paths", "apply_all"]

VERSION = 1


class DecisionsError(ValueError):
    """A decisions file that cannot be used; ``str(exc)`` is one line."""


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` as UTF-8: for text read by :mod:`repair.textio`, the file's bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_entry(path: str, text: str, changes: Sequence[Change], threshold: float) -> dict:
    """One ``files`` entry: every change, accepted when its confidence is at least ``threshold``."""
    return {"path": path, "sha256": sha256_text(text),
            "changes": [{**c.to_dict(), "accepted": c.confidence >= threshold} for c in changes]}


def document(entries: Sequence[dict], base: str | None = None) -> dict:
    """A decisions document of ``entries``; ``base``: the absolute folder their relative paths
    are relative to (where the report was made)."""
    return {"version": VERSION, **({} if base is None else {"base": base}), "files": list(entries)}


@dataclass(frozen=True)
class FileDecisions:
    path: str
    sha256: str
    changes: tuple[tuple[Change, bool], ...]  # (change, accepted), as in the file
    problem: str = ""  # why this entry cannot be applied (one line, naming the decisions file); "": it can
    base: str | None = None  # the folder the report was made in (absolute); None: not recorded

    def accepted(self) -> list[Change]:
        return [c for c, ok in self.changes if ok]

    @property
    def source(self) -> str:
        """The input file: ``path`` itself when absolute (or when no ``base`` was recorded: then
        it is relative to the current folder), else ``path`` under ``base``."""
        if self.base is None or self.path == "-" or os.path.isabs(self.path):
            return self.path
        return os.path.join(self.base, self.path)


def parse(data: str, name: str, *, strict: bool = True) -> list[FileDecisions]:
    """The files of a decisions document; DecisionsError names ``name`` and what is wrong.

    A leading byte-order mark is passed over (Notepad adds one to a file it saves).  With
    ``strict`` False, a file entry that names its ``path`` but whose changes cannot be read (a
    change that is not one, a lone surrogate in its wording) does not stop the others: it comes
    back with its ``problem`` set and no changes, for :func:`apply_all` to report and skip."""
    data = data[1:] if data.startswith("\ufeff") else data
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as exc:
        if _is_change_log(data):  # JSONL: one change a line
            raise DecisionsError(_CHANGE_LOG.format(name=name)) from None
        raise DecisionsError(f"{name}: not JSON: {exc}") from None
    if not isinstance(obj, dict) or "files" not in obj:
        if _is_change_log(data):
            raise DecisionsError(_CHANGE_LOG.format(name=name))
        raise DecisionsError(f"{name}: not a decisions file (expected an object with \"version\" and \"files\")")
    if "version" not in obj:
        raise DecisionsError(f"{name}: needs a \"version\" ({VERSION})")
    version = obj["version"]
    if type(version) is not int or version != VERSION:  # the integer: not true, not 1.0
        raise DecisionsError(f"{name}: unsupported decisions version {json.dumps(version)} (expected {VERSION})")
    if not isinstance(obj["files"], list):
        raise DecisionsError(f"{name}: \"files\" must be a list")
    base = obj.get("base")
    if base is not None and not (isinstance(base, str) and os.path.isabs(base)):
        raise DecisionsError(f"{name}: \"base\" must be the absolute path of the folder the report was made in, "
                             f"got {json.dumps(base)[:80]}")
    out = []
    for k, f in enumerate(obj["files"], 1):
        where = f"{name}: file {k}"
        if not isinstance(f, dict) or not isinstance(f.get("path"), str) or not f["path"]:
            raise DecisionsError(f"{where}: needs a \"path\"")
        digest = f.get("sha256")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            got = "none" if digest is None else json.dumps(digest)[:80]
            raise DecisionsError(f"{where} ({f['path']}): needs a \"sha256\" of 64 hex digits, got {got}")
        try:
            pairs = _changes(f, f"{where} ({f['path']})")
        except DecisionsError as exc:
            if strict:
                raise
            out.append(FileDecisions(f["path"], digest.lower(), (), problem=str(exc), base=base))
            continue
        out.append(FileDecisions(f["path"], digest.lower(), pairs, base=base))
    return out


def _changes(f: dict, where: str) -> tuple[tuple[Change, bool], ...]:
    """The (change, accepted) pairs of the file entry ``f``; DecisionsError prefixed ``where``."""
    changes = f.get("changes", [])
    if not isinstance(changes, list):
        raise DecisionsError(f"{where}: \"changes\" must be a list")
    pairs = []
    for j, d in enumerate(changes, 1):
        if not isinstance(d, dict) or not isinstance(d.get("accepted"), bool):
            raise DecisionsError(f"{where}: change {j} needs \"accepted\": true or false")
        try:
            pairs.append((Change.from_dict(d), d["accepted"]))
        except ChangeError as exc:
            raise DecisionsError(f"{where}: change {j}: {exc}") from None
    return tuple(pairs)


_HEX64 = re.compile("[0-9a-fA-F]{64}")

_CHANGE_LOG = ("{name}: is a change log, not a decisions file (apply reads what a report's \"Export "
               "decisions\" saves): to choose among its changes, run 'repair report FILE --log {name} "
               "--html page.html' and export the decisions, or 'repair review FILE --log {name}'")


def _is_change_log(data: str) -> bool:
    """Does ``data`` read as a change log (:func:`repair.changes.log_entries`), one that holds a
    change or at least its ``"changes"`` list?  Then it is not a decisions file, and saying
    so helps more than a JSON error at line 2."""
    try:
        entries = log_entries(data)
    except (ChangeError, ValueError):
        return False
    if entries:
        return True
    try:
        obj = json.loads(data)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("changes"), list)


def output_paths(files: Sequence[FileDecisions], out_dir: str) -> list[str]:
    """Where each file goes under ``out_dir``: a relative path that stays inside the folder it
    is relative to keeps its folders; any other path keeps only its name.  Two files landing on one path
    is a DecisionsError."""
    targets = []
    for f in files:
        rel = os.path.normpath(f.path)
        if os.path.isabs(rel) or rel == os.pardir or rel.startswith(os.pardir + os.sep):
            rel = os.path.basename(rel)
        targets.append(os.path.join(out_dir, rel))
    seen: dict[str, str] = {}
    for f, t in zip(files, targets):
        if t in seen:
            raise DecisionsError(f"{seen[t]} and {f.path} would both be written to {t}")
        seen[t] = f.path
    return targets


def apply_all(files: Sequence[FileDecisions], *, out_dir: str | None, in_place: bool,
              on_error: Callable[[str], None]) -> tuple[int, int, int]:
    """Apply each file's accepted changes and write the result: under ``out_dir``, or over the
    input when ``in_place`` (only if something changed).  An input that is missing, changed
    since the report or does not fit its changes, or whose entry could not be read (its
    ``problem``), is reported through ``on_error`` (one line) and skipped.  Each input is read
    at its :attr:`FileDecisions.source`.  Returns (files written, changes applied, files failed)."""
    if (out_dir is None) == (not in_place):
        raise ValueError("exactly one of out_dir and in_place")
    targets = output_paths(files, out_dir) if out_dir is not None else [f.source for f in files]
    if out_dir is not None:
        for f, t in zip(files, targets):
            if os.path.exists(t) and same_path(f.source, t):
                raise DecisionsError(f"{t}: is the input {f.source}; use --in-place to rewrite inputs")
    written = applied = failed = 0
    for f, target in zip(files, targets):
        try:
            if f.problem:
                raise InputError(f"{f.problem}; not applied")
            if f.path == "-":
                raise InputError(f"{f.path}: standard input cannot be applied to; report on a file")
            text = _read(f)
            if sha256_text(text) != f.sha256:
                raise InputError(f"{f.source}: changed since the report (sha256 differs); not applied")
            changes = f.accepted()
            try:
                new = apply_changes(text, changes)
            except ChangeError as exc:
                raise InputError(f"{f.source}: {exc}") from None
            if out_dir is not None or new != text:
                parent = os.path.dirname(target)
                if parent:
                    os.makedirs(parent, exist_ok=True)
                write_atomic(target, new)
                written += 1
            applied += len(changes)
        except InputError as exc:
            on_error(str(exc))
            failed += 1
        except OSError as exc:
            on_error(f"{target}: cannot write: {exc.strerror or exc}")
            failed += 1
    return written, applied, failed


def _read(f: FileDecisions) -> str:
    """The text of ``f``'s input; a missing one of an old decisions file (no ``base``) says where
    it was looked for."""
    try:
        return read_text(f.source)
    except InputError as exc:
        if f.base is None and not os.path.isabs(f.path) and not os.path.lexists(f.path):
            raise InputError(f"{exc} (looked for in the current folder {os.getcwd()}: this decisions file does "
                             f"not record the folder the report was made in; run apply from there)") from None
        raise

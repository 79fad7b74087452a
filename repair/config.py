"""Configuration files: ``[tool.repair]`` in ``pyproject.toml``, or ``repair.toml``.

As ruff finds its settings, :func:`discover` walks up from the input's folder (from the
current directory for standard input) and takes the first of, in each folder,
``.repair.toml``, ``repair.toml`` (top-level keys) or a ``pyproject.toml`` that has a
``[tool.repair]`` table (a ``pyproject.toml`` without one is passed over).  One
configuration applies to a whole run; files further down a batch's tree are not read.

Keys (all optional)::

    min-confidence = 0.7                      # the threshold, 0..1, for every text (default: 0.85,
                                              # and 0.4 in a text that reads as spun)
    select = ["spin", "artifact"]             # rules to run (ids or prefixes)
    ignore = ["artifact.furniture"]           # rules to leave out
    lexicons = ["farm.tsv"]                   # extra spin lexicons
    ignore-words = "ignore-words.txt"         # words never edited, one a line
    include = ["*.txt", "*.md"]               # batch: files to take from a folder
    exclude = ["drafts", "*.orig.txt"]        # batch: files and folders to leave out

Paths are relative to the configuration file's folder.  A command-line option replaces
the configuration's value for that key.  An unknown key, a wrong type or unparsable TOML
is a :class:`ConfigError` whose message names the file (and the key).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Config", "ConfigError", "CONFIG_NAMES", "KEYS", "Resolved", "discover", "load", "find_config",
           "config_start", "resolve"]

CONFIG_NAMES = (".repair.toml", "repair.toml", "pyproject.toml")  # in order of precedence
KEYS = ("min-confidence", "select", "ignore", "lexicons", "ignore-words", "include", "exclude")


class ConfigError(Exception):
    """A configuration file that cannot be used; ``str(exc)`` is one line naming it."""


@dataclass(frozen=True)
class Config:
    """The settings of one configuration file (None or empty: not set there)."""
    path: str | None = None  # the file they came from; None for no configuration
    min_confidence: float | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    lexicons: tuple[str, ...] = ()  # absolute paths
    ignore_words: str | None = None  # absolute path
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None


def find_config(start: str | os.PathLike) -> str | None:
    """The configuration file that applies to ``start`` (a file or folder), or None."""
    found = _find(start)
    return None if found is None else str(found[0])


def discover(start: str | os.PathLike) -> Config:
    """The configuration for inputs at ``start``: :func:`load` of :func:`find_config`, or an
    empty :class:`Config` when there is none."""
    found = _find(start)
    if found is None:
        return Config()
    path, data = found
    return _config(path, data) if data is not None else load(path)


def _find(start: str | os.PathLike) -> tuple[Path, dict | None] | None:
    """The configuration file for ``start``, with its TOML when finding it took parsing it (a
    ``pyproject.toml``: has it a ``[tool.repair]`` table?), else None for the TOML."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml":
                return candidate, None
            try:
                data = _read_toml(candidate)
            except ConfigError:
                return candidate, None  # let load() report it rather than silently looking further up
            if isinstance(data.get("tool"), dict) and "repair" in data["tool"]:
                return candidate, data
    return None


def _read_toml(path: Path) -> dict:
    """The parsed TOML of ``path``; ConfigError (one line naming it) when it cannot be read, is
    not UTF-8 (with the byte offset, as for inputs), starts with a byte-order mark (which TOML
    does not allow, and which tomllib would report only as an error at line 1, column 1) or is
    not valid TOML."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise ConfigError(f"{path}: starts with a UTF-8 byte-order mark, which TOML does not allow; "
                          "save it as UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid UTF-8 at byte offset {exc.start}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load(path: str | os.PathLike) -> Config:
    """Read one configuration file: ``[tool.repair]`` of a ``pyproject.toml`` (a ConfigError when
    it has none), the top-level keys of any other file."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{p}: is a directory, not a configuration file")
    if not p.exists():
        raise ConfigError(f"{p}: no such file")
    data = _read_toml(p)
    if p.name == "pyproject.toml" and not (isinstance(data.get("tool"), dict) and "repair" in data["tool"]):
        # named on purpose (--config), a file without the table is a mistake, not "no settings";
        # found by walking up, such a pyproject.toml is passed over (see _find)
        raise ConfigError(f"{p}: has no [tool.repair] table")
    return _config(p, data)


def _config(p: Path, data: dict) -> Config:
    """The settings in ``data``, the parsed TOML of the configuration file ``p``."""
    where = f"{p}"
    if p.name == "pyproject.toml":
        table = data.get("tool", {}).get("repair", {}) if isinstance(data.get("tool"), dict) else {}
        where = f"{p}: [tool.repair]"
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = [k for k in table if k not in KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown option {unknown[0]!r} "
                          f"(known: {', '.join(KEYS)})")
    base = p.resolve().parent
    values: dict[str, Any] = {}
    if "min-confidence" in table:
        x = table["min-confidence"]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x <= 1.0:
            raise ConfigError(f"{where}: min-confidence: must be a number between 0 and 1, got {x!r}")
        values["min_confidence"] = float(x)
    for key in ("select", "ignore", "include", "exclude"):
        if key in table:
            values[key] = _strings(table[key], key, where, split_commas=key in ("select", "ignore"))
    if values.get("select") == ():  # would run no rule at all: surely not meant
        raise ConfigError(f"{where}: select: the selection is empty (give rule ids or prefixes, or \"all\"; "
                          "see `repair rules`)")
    if "lexicons" in table:
        values["lexicons"] = tuple(str(base / s) for s in _strings(table["lexicons"], "lexicons", where))
    if "ignore-words" in table:
        x = table["ignore-words"]
        if not isinstance(x, str) or not x.strip():
            raise ConfigError(f"{where}: ignore-words: must be a file path (a string), got {x!r}")
        values["ignore_words"] = str(base / x)
    return Config(path=str(p), **values)


def _strings(value: Any, key: str, where: str, *, split_commas: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key}: must be a list of strings, got {value!r}")
    if split_commas:
        value = [v for item in value for v in item.split(",")]
    return tuple(v.strip() for v in value if v.strip())


@dataclass(frozen=True)
class Resolved:
    """The settings of a run: the command line over the configuration file."""
    options: "Options"
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    config: str | None  # the configuration file used, if any


def config_start(paths: list[str]) -> str:
    """Where to look for a configuration: the folder holding every input path (a folder
    given is its own start), the current directory for standard input alone."""
    real = [os.path.abspath(p) for p in paths if p != "-"]
    if not real:
        return os.getcwd()
    folders = [p if os.path.isdir(p) else os.path.dirname(p) for p in real]
    return os.path.commonpath(folders)


def resolve(cfg: Config, *, min_confidence: float | None = None, select: tuple[str, ...] | None = None,
            ignore: tuple[str, ...] | None = None, lexicons: tuple[str, ...] = (),
            ignore_words: str | None = None, include: tuple[str, ...] | None = None,
            exclude: tuple[str, ...] | None = None) -> Resolved:
    """Merge command-line values (None or empty: not given) over ``cfg``.

    An empty ``select`` is the exception: a selection of no rule would check nothing, so it
    is a ConfigError (an empty ``ignore``, ``include`` or ``exclude`` is just not given).

    Every value given on the command line replaces the configuration's.  Rules are checked
    here (an unknown one is a :class:`ConfigError` naming the file it came from) and the
    ignore-word list is read; lexicon files are left to the caller to check."""
    from .ignores import read_word_list
    from .pipeline import DEFAULT_THRESHOLD, SPUN_THRESHOLD, Options, selected_rules
    from .textio import InputError

    where = f"{cfg.path}: " if cfg.path else ""
    if select is not None and not select:  # `--select "$RULES"` with RULES empty: checking nothing is no success
        raise ConfigError("--select: the selection is empty (give rule ids or prefixes, or 'all'; "
                          "see `repair rules`)")
    sel = select if select is not None else cfg.select
    ign = ignore if ignore else (cfg.ignore or ())
    from_config = (select is None and cfg.select is not None) or (not ignore and cfg.ignore)
    try:
        left = selected_rules(sel, ign)
    except ValueError as exc:
        raise ConfigError(f"{where if from_config else ''}{exc}") from None
    if not left:  # --select spin --ignore spin: as empty a selection as --select ''
        raise ConfigError(f"{where if from_config else ''}select and ignore leave no rule to run "
                          "(see `repair rules`)")
    words_path = ignore_words if ignore_words is not None else cfg.ignore_words
    words: frozenset[str] = frozenset()
    if words_path is not None:
        try:
            words = read_word_list(words_path)
        except InputError as exc:
            raise ConfigError(f"ignore-words: {exc}") from None
    chosen = min_confidence if min_confidence is not None else cfg.min_confidence
    # a threshold given on the command line or in the file holds for every text; else the engine's
    # default, with the document gate's lower threshold in a text that reads as spun
    options = Options(min_confidence=DEFAULT_THRESHOLD if chosen is None else chosen,
                      spun_min_confidence=SPUN_THRESHOLD if chosen is None else None,
                      lexicons=tuple(lexicons) or cfg.lexicons, select=sel, ignore=tuple(ign),
                      ignore_words=words)
    from .batch import DEFAULT_INCLUDE

    return Resolved(options, include or cfg.include or DEFAULT_INCLUDE, exclude or cfg.exclude or (),
                    cfg.path)

"""Command line: ``repair fix`` and ``repair check``.

Importing this module (and ``repair --help``) loads no tables: ``repair.pipeline``
is light and imports the engine only when a command first runs it.

Exit codes: 0 success (``check``: nothing at or above the threshold), 1 ``check``
found something, 2 usage or input error, 3 internal error.  Every error is one
line on stderr: ``repair: error: <message>``.
"""
from __future__ import annotations

import contextlib
import enum
import os
import sys
import time
from typing import List, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .pipeline import DEFAULT_THRESHOLD, SPUN_SCORE, SPUN_THRESHOLD  # light: the engine loads only when a command runs
from .textio import (InputError, display_name, encode_generated, overwrites, read_text, same_path, write_atomic,
                     write_problem, write_stdout)

__all__ = ["app", "main"]

PROG = "repair"
EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _click_base(name: str) -> type:
    # typer re-exports click's BadParameter (vendored in recent typer, click itself in
    # older releases); its ancestors are the exception classes this typer raises.
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


_ClickException = _click_base("ClickException")
_UsageError = _click_base("UsageError")


class CliError(Exception):
    """An error to report as ``repair: error: <message>`` with exit code 2."""


def _error(message: str) -> None:
    sys.stdout.flush()
    # a file name that is not UTF-8 shows as caf\udce9.txt, whatever standard error's error handler
    message = encode_generated(message).decode("utf-8")
    sys.stderr.write(f"{PROG}: error: {message}\n")
    sys.stderr.flush()


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (``kill PID``, ``docker stop``, systemd) stops a run as Ctrl-C does: a folder run's
    worker processes are shut down, its log and manifest are saved, and the exit status is 130.
    Only where SIGTERM has its default action and this is the main thread (an embedding program's
    own handler is left alone)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Group(TyperGroup):
    """Runs the commands and turns every failure into one stderr line and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        with _terminate_as_interrupt():
            code = self._run(args, prog_name or PROG, complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args, prog_name, complete_var, extra) -> int:
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
            if rv == 130:  # typer's answer to KeyboardInterrupt: say so, as for any other stop
                _error("interrupted")
            return rv if isinstance(rv, int) else EXIT_OK
        except (CliError, InputError) as exc:
            _error(str(exc))
            return EXIT_USAGE
        except _UsageError as exc:
            if exc.__class__.__name__ == "NoArgsIsHelpError":  # bare `repair`: show the help
                sys.stderr.write(exc.format_message() + "\n")
                return EXIT_USAGE
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _error(exc.format_message().replace("\n", " ") + hint)
            return EXIT_USAGE
        except _ClickException as exc:
            _error(exc.format_message().replace("\n", " "))
            return exc.exit_code
        except BrokenPipeError:
            _silence_stdout()
            return 1
        except KeyboardInterrupt:
            _error("interrupted")
            return 130
        except Exception as exc:  # noqa: BLE001 - an engine bug must still be one line
            if exc.__class__.__name__ == "Abort":
                _error("aborted")
                return 1
            if os.environ.get("REPAIR_DEBUG"):
                raise
            detail = " ".join(str(exc).split())
            _error(f"internal error: {exc.__class__.__name__}: {detail} "
                   "(set REPAIR_DEBUG=1 for a traceback)")
            return EXIT_INTERNAL


def _silence_stdout() -> None:
    # The reader went away (`repair check ... | head`): stop writing, quietly.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


app = typer.Typer(
    cls=_Group,
    name=PROG,
    epilog="Run 'repair COMMAND --help' for the options and examples of each command.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        write_stdout(f"{PROG} {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Restore text damaged by article spinners ("spy company" -> "spy agency"), with a
    reviewable change log.

    \b
    Examples:
      repair fix article.txt -o clean.txt --log changes.json
      repair check scraped/*.txt --format jsonl
      cat spun.txt | repair fix -
    """


def _confidence(value: float) -> float:
    if not 0.0 <= value <= 1.0:  # also rejects nan
        raise typer.BadParameter(f"{value} is not between 0 and 1")
    return value


_LEXICON = typer.Option(
    [], "--lexicon", "-L", metavar="FILE",
    help="Also use this spin lexicon (TSV, see `repair learn`); repeatable. Its entries are "
         "candidates weighed in context, not blind replacements.")


_SELECT = typer.Option(
    None, "--select", metavar="RULES",
    help="Run only these rules: ids or prefixes, comma-separated or repeated (e.g. spin, "
         "artifact.space, all). Default: the rules on by default (see `repair rules`).")
_IGNORE = typer.Option(
    None, "--ignore", metavar="RULES",
    help="Leave these rules out: ids or prefixes, comma-separated or repeated. An empty value "
         "changes nothing (an empty --select is an error).")


def _split(values: Optional[List[str]]) -> tuple[str, ...] | None:
    """A repeatable option's values, each also split at commas; None when not given."""
    if values is None:
        return None
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _lexicons(paths: list[str]) -> tuple[str, ...]:
    """Check user lexicons up front: a bad file is one error line, before any text is read."""
    from .lexicon import LexiconError, read_lexicon

    for p in paths:
        try:
            read_lexicon(p)
        except (LexiconError, InputError) as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"{p}: cannot read lexicon: {exc.strerror or exc}") from None
    return tuple(os.path.abspath(p) for p in paths)


def _log_text(path: str, log_path: str, result, min_confidence: float) -> str:
    from .changes import changes_to_json
    from .render import render_jsonl

    name = display_name(path)
    if log_path.endswith(".jsonl"):
        return render_jsonl(name, "", result.changes, tool=PROG, version=__version__)
    return changes_to_json(result.changes, tool=PROG, version=__version__, path=name,
                           min_confidence=min_confidence,
                           spin_score=round(result.spin_score, 4)) + "\n"


def _write_file(path: str, text: str, **kw) -> None:
    """``write_atomic``, a failure one error line; ``generated=True`` for a log or report."""
    try:
        write_atomic(path, text, **kw)
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _writable(*paths: Optional[str]) -> None:
    """Refuse, before any of them is written, when a write to one of ``paths`` (None: not
    written) is bound to fail: a command that writes two files writes both or neither."""
    for p in paths:
        problem = None if p is None else write_problem(p)
        if problem:
            raise CliError(f"{p}: cannot write: {problem}")


def _refuse_overwrite(option: str, target: Optional[str], *others: tuple[str, Optional[str]]) -> None:
    """Refuse ``option target`` when writing it would replace one of ``others``, (what, path)
    pairs: an input (``-`` is standard input, no file) or another output of the command."""
    if target is None or target == "-":
        return
    for what, other in others:
        if other is not None and other != "-" and overwrites(target, other):
            raise CliError(f"{option} {target}: is {what}")


# --- configuration and folders (repair/config.py, repair/batch.py) ------------------------

_RUN_MIN_CONFIDENCE = typer.Option(
    None, "--min-confidence", "-c", metavar="X", callback=lambda v: v if v is None else _confidence(v),
    help="Only edits with confidence >= X (0..1), in every text. Default: the configuration's "
         f"min-confidence, else {DEFAULT_THRESHOLD} ({SPUN_THRESHOLD} in a text that reads as spun: "
         f"spin score >= {SPUN_SCORE}).")
_CONFIG = typer.Option(None, "--config", metavar="FILE",
                       help="Settings from FILE (repair.toml, or [tool.repair] of a pyproject.toml) "
                            "instead of the one found by walking up from the input.")
_ISOLATED = typer.Option(False, "--isolated", "--no-config", help="Read no configuration file.")
_IGNORE_WORDS = typer.Option(None, "--ignore-words", metavar="FILE",
                             help="Never edit these words: one word or phrase a line, any case, "
                                  "# comments. A change whose old wording contains one is dropped.")
_INCLUDE = typer.Option(None, "--include", metavar="GLOB",
                        help="In a folder: the files to take (repeatable; default *.txt *.text *.md "
                             "*.markdown *.rst).")
_EXCLUDE = typer.Option(None, "--exclude", metavar="GLOB",
                        help="In a folder: files and folders to leave out (repeatable).")
_JOBS = typer.Option(None, "--jobs", "-j", min=1, metavar="N",
                     help="In a folder (or several files for check): N worker processes (default 1).")
_QUIET = typer.Option(False, "--quiet", "-q", help="In a folder: no notes or summary on standard error.")


def _settings(paths: List[str], config: Optional[str], isolated: bool, min_confidence: Optional[float],
              lexicon: List[str], select, ignore, ignore_words: Optional[str], include=None, exclude=None):
    """The run's settings: the command line over the configuration file (repair/config.py).
    Rules, lexicons and the ignore-word list are checked here, before any text is read: a
    problem is one error line."""
    import dataclasses

    from . import config as cf

    if config is not None and isolated:
        raise CliError("--config and --isolated cannot be used together")
    try:
        cfg = cf.Config() if isolated else cf.load(config) if config else cf.discover(cf.config_start(paths))
        s = cf.resolve(cfg, min_confidence=min_confidence, select=_split(select), ignore=_split(ignore),
                       lexicons=tuple(lexicon), ignore_words=ignore_words, include=_split(include),
                       exclude=_split(exclude))
    except cf.ConfigError as exc:
        raise CliError(str(exc)) from None
    return dataclasses.replace(s, options=dataclasses.replace(
        s.options, lexicons=_lexicons(list(s.options.lexicons))))


def _batch_end(command: str, summary, quiet: bool) -> int:
    """Notes and summary to stderr; the exit status of a folder run."""
    if not quiet:
        lines = [f"{PROG}: note: {n}\n" for n in summary.notes] + [f"{PROG}: {command}: {line}\n"
                                                                    for line in summary.lines()]
        sys.stderr.write(encode_generated("".join(lines)).decode("utf-8"))  # names that are not UTF-8 shown escaped
    return EXIT_INTERNAL if summary.internal else EXIT_FOUND if summary.failed else EXIT_OK


def _fix_folder(root: str, s, *, out: Optional[str], in_place: bool, backup: bool, log: Optional[str],
                jobs: Optional[int], force: bool, quiet: bool) -> int:
    from . import batch

    if out is None and not in_place:
        raise CliError(f"{root}: is a directory; give --out OUT_DIR to write the repaired tree "
                       "there, or --in-place to rewrite its files (--backup keeps copies)")
    if out is not None and in_place:
        raise CliError("--in-place and --out cannot be used together")
    if force and in_place:
        raise CliError("--force is for --out (it redoes the files the output folder's manifest has as up to "
                       "date); --in-place rewrites every file that changes anyway")
    problem = batch.out_dir_problem(root, out) if out is not None else None
    if problem:
        raise CliError(problem)
    listing = batch.walk(root, s.include, s.exclude, skip=[out] if out else [])
    if log is not None and log != "-":  # before the log's temporary file exists: a refused log writes nothing
        problem = batch.log_problem(log, root, listing, out_dir=out, in_place=in_place, backup=backup)
        if problem:
            raise CliError(problem)
        _writable(log)
    try:
        with batch.JsonlLog(log, tool=PROG, version=__version__) as changes_log:
            summary = batch.fix_tree(root, batch.Settings(s.options), out_dir=out, in_place=in_place,
                                     backup=backup, include=s.include, exclude=s.exclude, workers=jobs or 1,
                                     force=force, log=changes_log.add,
                                     on_failure=lambda p, why: _error(f"{p}: {why}"), listing=listing)
    except OSError as exc:
        raise CliError(f"{exc.filename or out}: cannot write: {exc.strerror or exc}") from None
    return _batch_end("fix", summary, quiet)


@app.command()
def fix(
    path: str = typer.Argument(..., metavar="PATH",
                               help="File to repair, a folder (with --out or --in-place), or - for "
                                    "standard input."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                         help="Write the repaired text to FILE (atomically) "
                                              "instead of standard output."),
    in_place: bool = typer.Option(False, "--in-place", "-i",
                                  help="Rewrite PATH itself (atomically, only if something changed)."),
    backup: bool = typer.Option(False, "--backup",
                                help="With --in-place: keep the original as PATH.bak."),
    log: Optional[str] = typer.Option(None, "--log", metavar="FILE",
                                      help="Write the change log to FILE: JSON, or JSONL if FILE "
                                           "ends with .jsonl (a folder's log is always JSONL). - is "
                                           "standard output (for one file: with --output FILE or --in-place)."),
    diff: bool = typer.Option(False, "--diff",
                              help="Print a unified diff instead of the text; write no files."),
    min_confidence: Optional[float] = _RUN_MIN_CONFIDENCE,
    lexicon: List[str] = _LEXICON,
    select: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    ignore_words: Optional[str] = _IGNORE_WORDS,
    out: Optional[str] = typer.Option(None, "--out", metavar="OUT_DIR",
                                      help="PATH is a folder: write the repaired tree under OUT_DIR. "
                                           "A rerun skips the files that are up to date."),
    include: Optional[List[str]] = _INCLUDE,
    exclude: Optional[List[str]] = _EXCLUDE,
    jobs: Optional[int] = _JOBS,
    force: bool = typer.Option(False, "--force", help="With --out: redo every file, up to date or not."),
    config: Optional[str] = _CONFIG,
    isolated: bool = _ISOLATED,
    quiet: bool = _QUIET,
) -> None:
    """Repair a text, or a folder of them, with an optional change log.

    The output is byte for byte the input outside the edited words: encoding
    (UTF-8), BOM, line endings and a missing final newline are kept.

    With a folder, every file --include matches (default: *.txt *.text *.md
    *.markdown *.rst) is repaired into the same place under --out OUT_DIR, or
    rewritten with --in-place; hidden files and folders are skipped.  The log
    is then one JSONL file for the run.  A file that cannot be read is reported
    (PATH: reason) and the others go on; the exit status is then 1.

    \b
    Examples:
      repair fix article.txt -o clean.txt --log changes.json
      repair fix article.txt --diff
      repair fix article.txt --in-place --backup --log article.jsonl
      repair fix article.txt --lexicon my_farm.tsv
      repair fix scraped.txt --select artifact --ignore artifact.furniture
      repair fix article.txt --ignore-words names.txt
      repair fix corpus/ --out clean/ -j 2 --log changes.jsonl
      repair fix corpus/ --out clean/ --exclude drafts --include '*.txt'
      repair fix corpus/ --in-place --backup
      cat spun.txt | repair fix - > clean.txt
    """
    if in_place and path == "-":
        raise CliError("--in-place needs a file path, not '-' (standard input)")
    if in_place and output is not None:
        raise CliError("--in-place and --output cannot be used together")
    if backup and not in_place:
        raise CliError("--backup only makes sense with --in-place")
    if diff and (output is not None or in_place or log is not None):
        raise CliError("--diff writes nothing; it cannot be combined with --output, --in-place or --log")
    folder = path != "-" and os.path.isdir(path)
    if folder and (diff or output is not None):
        raise CliError(f"{path} is a folder: {'--diff' if diff else '--output'} works on one file; "
                       "use --out OUT_DIR")
    if not folder and out is not None:
        raise CliError("--out OUT_DIR is for a folder; for one file use --output FILE")
    if not folder:
        given = [name for name, value in (("--include", include), ("--exclude", exclude), ("--jobs", jobs))
                 if value is not None] + (["--force"] if force else [])
        if given:
            what = "standard input is one text" if path == "-" else f"{path} is one file"
            raise CliError(f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} for a folder; {what}")
    if not folder:
        _fix_file_targets(path, output, in_place, backup, log)

    s = _settings([path], config, isolated, min_confidence, lexicon, select, ignore, ignore_words,
                  include, exclude)
    if folder:
        raise typer.Exit(_fix_folder(path, s, out=out, in_place=in_place, backup=backup, log=log,
                                     jobs=jobs, force=force, quiet=quiet))
    from .pipeline import fix_and_explain

    text = read_text(path)
    result = fix_and_explain(text, s.options)
    name = display_name(path)

    if diff:
        from .render import unified_diff

        write_stdout(unified_diff(name, text, result.text), generated=True)
        return
    to_file = not in_place and output is not None and output != "-"
    # made before anything is written: should making it fail, nothing is
    log_text = None if log is None else _log_text(path, log, result, result.threshold)
    if log is not None and not to_file:  # the log first: an in-place rewrite must never lose its way back
        _write_log(log, log_text)
    if in_place:
        if result.text != text:
            if backup:
                _write_file(path + ".bak", text, like=path)  # as private as the original
            _write_file(path, result.text)
    elif to_file:
        _write_file(output, result.text)
        if log is not None:  # after the output: a log of an output that was never written would mislead
            _write_log(log, log_text)
    else:
        write_stdout(result.text)


def _fix_file_targets(path: str, output: Optional[str], in_place: bool, backup: bool, log: Optional[str]) -> None:
    """Refuse a single-file ``fix`` whose writes would land on its input or on each other, or
    one of whose writes is bound to fail, before anything is read or written."""
    bak = path + ".bak" if in_place and backup else None
    if not in_place:
        _refuse_overwrite("--output", output, ("the input file; use --in-place to rewrite it", path))
        if log == "-" and output in (None, "-"):
            raise CliError("--log -: standard output already carries the repaired text; "
                           "give --output FILE or --in-place")
    _refuse_overwrite("--log", log, ("the input file", path), ("the --output file", output),
                      ("the --backup copy", bak))
    _writable(None if log == "-" else log, bak, path if in_place else output if output != "-" else None)


def _write_log(log: str, text: str) -> None:
    """A single file's change log: into ``log``, or to standard output for ``-``."""
    if log == "-":
        write_stdout(text, generated=True)
    else:
        _write_file(log, text, generated=True)


class Format(str, enum.Enum):
    concise = "concise"
    text = "text"  # the old name of concise
    full = "full"
    json = "json"
    jsonl = "jsonl"
    languagetool = "languagetool"
    sarif = "sarif"
    github = "github"


@app.command()
def check(
    paths: List[str] = typer.Argument(..., metavar="PATH...",
                                      help="Files or folders to check, or - for standard input."),
    format: Format = typer.Option(Format.concise, "--format", "--output-format", "-f",
                                  help="concise (or text): path:line:col: \"old\" -> \"new\" (confidence) "
                                       "rule; full: also the line, the span underlined and the reason; "
                                       "json: one {path, spin_score, threshold, changes} object (an array for several files); "
                                       "jsonl: one change per line with its path; languagetool: "
                                       "LanguageTool's /v2/check response (UTF-16 offsets); sarif: a "
                                       "SARIF 2.1.0 log; github: GitHub Actions ::warning lines."),
    min_confidence: Optional[float] = _RUN_MIN_CONFIDENCE,
    lexicon: List[str] = _LEXICON,
    select: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    score: bool = typer.Option(False, "--score",
                               help="Print each text's document spin score instead of its edits: "
                                    "PATH<TAB>score (a tab, line end or backslash in PATH escaped as \\t, "
                                    "\\n, \\r, \\\\), or with --format json|jsonl {path, spin_score, "
                                    "threshold, words}; the score is the expected share of its words that are spun "
                                    "(about 0 for clean prose; SpinBot output the lexicon knows scores "
                                    f"about 0.1-0.15). At {SPUN_SCORE} or more a text reads as spun and "
                                    f"gets the threshold {SPUN_THRESHOLD}."),
    ignore_words: Optional[str] = _IGNORE_WORDS,
    include: Optional[List[str]] = _INCLUDE,
    exclude: Optional[List[str]] = _EXCLUDE,
    jobs: Optional[int] = _JOBS,
    config: Optional[str] = _CONFIG,
    isolated: bool = _ISOLATED,
    quiet: bool = _QUIET,
) -> None:
    """List the edits `fix` would make, without making them.

    A folder is walked as `fix` walks it (--include, --exclude, hidden files
    and folders skipped) and a summary goes to standard error.

    Exit status: 0 when nothing is at or above the threshold, 1 when something
    is or a file found in a folder cannot be read, 2 when a file named on the
    command line cannot be read (the other files are still checked) or on a
    usage error.  With --score the exit status is the same; only the output
    changes.

    \b
    Examples:
      repair check article.txt
      repair check scraped/*.txt --format jsonl
      repair check article.txt --min-confidence 0.8 --format json
      repair check article.txt --lexicon my_farm.tsv
      repair check scraped/*.txt --select artifact.mojibake,artifact.entity
      repair check scraped/*.txt --score | sort -t$'\\t' -k2 -gr | head
      repair check corpus/ -j 2 --format full
      repair check corpus/ --format sarif > repair.sarif
      repair check docs/ --format github        # annotations in a GitHub workflow
      cat spun.txt | repair check -
    """
    from . import batch
    from .formats import ALIASES, SCORE_FORMATS, Report, ScoreReport

    if score and ALIASES.get(format.value, format.value) not in SCORE_FORMATS:
        raise CliError(f"--score prints a score per file, as concise (PATH<TAB>score), json or jsonl; "
                       f"--format {format.value} lists changes")
    s = _settings(paths, config, isolated, min_confidence, lexicon, select, ignore, ignore_words,
                  include, exclude)
    folders = any(p != "-" and os.path.isdir(p) for p in paths)
    many = len(paths) > 1 or folders
    report = ScoreReport(format.value, many=many) if score else Report(format.value, many=many)
    todo, notes = batch.check_jobs(paths, s.include, s.exclude, read_stdin=lambda: read_text("-"))
    summary = batch.Summary("check", files=len(todo), notes=notes)
    found = named_failed = False
    t0 = time.monotonic()
    bar = sys.stderr.isatty() and not sys.stdout.isatty() and folders
    with batch.progress(len(todo), "repair check", bar) as advance:
        for job, r in zip(todo, batch.run(todo, batch.Settings(s.options), jobs or 1)):
            summary.add(r)
            advance(r.words)
            if not r.ok:
                _error(f"{r.path}: {r.reason}")
                report.failure(r.path, r.reason)
                named_failed = named_failed or job.explicit
                continue
            found = found or bool(r.changes)
            write_stdout(report.add(r.path, r.spin_score, r.threshold, r.words) if score else
                         report.add(r.path, r.text, r.changes, spin_score=round(r.spin_score, 4), threshold=r.threshold),
                         generated=True)
    write_stdout(report.finish(), generated=True)
    summary.seconds = time.monotonic() - t0
    code = _batch_end("check", summary, quiet or not folders)
    raise typer.Exit(EXIT_INTERNAL if summary.internal else EXIT_USAGE if named_failed
                     else EXIT_FOUND if found or code else EXIT_OK)


@app.command()
def rules() -> None:
    """List every rule: id, whether it runs by default, and what it repairs.

    Select rules with --select and --ignore on `fix` and `check` (ids or prefixes).

    \b
    Examples:
      repair rules
      repair fix page.txt --select all --ignore artifact.fused-word
    """
    from .pipeline import rule_table

    table = rule_table()
    width = max(map(len, table))
    write_stdout("".join(f"{rid:<{width}}  {'on ' if default else 'off'}  {desc}\n"
                         for rid, (desc, default) in table.items()))


# --- eval: measure the engine on aligned pairs (repair/evaluate.py) ----------------------

class EvalFormat(str, enum.Enum):
    text = "text"
    json = "json"


def _thresholds(value: str | None) -> list[float] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        raise typer.BadParameter("give thresholds as 0.2,0.5,0.8")
    try:
        return [_confidence(float(p)) for p in parts]
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a comma-separated list of numbers") from None


@contextlib.contextmanager
def _eval_progress(total: int):
    """Yield a per-pair callback: a rich bar on a terminal's stderr, silence when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich import progress as rp
    from rich.console import Console

    columns = (rp.TextColumn("repair eval"), rp.BarColumn(), rp.MofNCompleteColumn(),
               rp.TimeRemainingColumn())
    with rp.Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("pairs", total=total)
        yield lambda: progress.advance(task)


@app.command("eval")
def eval_(
    path: str = typer.Argument(..., metavar="PAIRS.jsonl",
                               help='Aligned pairs, one {"original": ..., "spun": ...} object '
                                    "per line (- for standard input)."),
    thresholds: str | None = typer.Option(
        None, "--thresholds", "-t", metavar="T,T,...", callback=_thresholds,
        help="Thresholds for the table (default: 0.1 ... 0.9 and the engine's default)."),
    format: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f",
                                      help="text: a table; json: one object with every figure."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, metavar="N",
                                     help="Only the first N pairs."),
    examples: int = typer.Option(0, "--examples", "-e", min=0, metavar="N",
                                 help="Also list the first N spinner edits of each stage that were not "
                                      "restored, with what was suggested there."),
    plot: str | None = typer.Option(None, "--plot", metavar="OUT.png",
                                    help="Also draw the precision/recall curve to OUT.png "
                                         '(needs pip install "repair[plot]").'),
    lexicon: List[str] = _LEXICON,
) -> None:
    """Measure how well repair undoes a spinner, on your own aligned pairs.

    The engine runs once per pair; every threshold is then measured from its
    suggestions: edit precision and recall against the original wording, false
    edits on unspun text (and per 1,000 words), and reversal, the share of the
    spinner's token edits undone (1 - dist(repaired, original) / dist(spun,
    original)).  Then a per-rule breakdown at the default threshold; where each
    spinner edit stands under the default rule (restored, right but below the
    threshold, right but ranked lower, partly restored, not among the
    candidates, no suggestion: where recall is lost); and how well the
    document score (check --score) tells the spun texts from the originals
    (ROC AUC; the originals are scored too, one more engine pass each).

    \b
    Examples:
      repair eval pairs.jsonl
      repair eval pairs.jsonl --thresholds 0.2,0.5,0.8 --limit 100
      repair eval pairs.jsonl --format json > figures.json
      repair eval pairs.jsonl --examples 5
      repair eval pairs.jsonl --plot curve.png
      repair learn train.jsonl -o farm.tsv && repair eval test.jsonl --lexicon farm.tsv
    """
    from . import evaluate as ev
    from .render import json_text

    lexicons = _lexicons(lexicon)
    _refuse_overwrite("--plot", plot, ("the input file", path))
    if plot is not None:
        try:
            ev.require_matplotlib()  # before the engine runs, not after
        except ev.PlotUnavailable as exc:
            raise CliError(str(exc)) from None
    pairs = ev.read_pairs(path, limit)
    with _eval_progress(len(pairs)) as tick:
        engine, scorer = ev.real_engine(lexicons)
        report = ev.evaluate(pairs, engine=engine, thresholds=thresholds, source=display_name(path), on_pair=tick,
                             scorer=scorer, gate=True, examples=examples)
    if plot is not None:
        try:
            ev.plot_curve(report, plot)
        except OSError as exc:
            raise CliError(f"{plot}: cannot write: {exc.strerror or exc}") from None
    if format is EvalFormat.json:
        write_stdout(json_text(report.to_dict()), generated=True)
    else:
        write_stdout(ev.render_text(report), generated=True)

# --- end eval ----------------------------------------------------------------------------


# --- phrase: what a phrase known to be spun was (repair/phrase.py) -----------------------

@app.command("phrase")
def phrase_(
    phrases: List[str] = typer.Argument(..., metavar="PHRASE...",
                                        help="Phrases known (or suspected) to be spun, each one argument."),
    context: Optional[str] = typer.Option(
        None, "--context", "-c", metavar="TEXT",
        help="The sentence the phrases stand in; it must contain each of them. Without it each phrase "
             "is read alone."),
    top: int = typer.Option(3, "--top", "-n", min=1, max=100, metavar="N", help="Readings shown per phrase."),
    format: EvalFormat = typer.Option(EvalFormat.text, "--format", "-f",
                                      help="text: a ranked list per phrase; json: one object per phrase."),
    lexicon: List[str] = _LEXICON,
) -> None:
    """Suggest what a spun phrase was: its likeliest restorations, ranked.

    Where `fix` asks of every span of a document whether it is spun, this takes
    a phrase you already believe spun (a tortured phrase in a paper, a line an
    editor flagged) and scores every reading of it together: each word kept or
    replaced by one of its candidate originals, multi-word spans included.  The
    probability shown is among the readings considered; the phrase as it stands
    is never one of them.  Nothing is rewritten.

    \b
    Examples:
      repair phrase "counterfeit consciousness"
      repair phrase "bosom peril" "irregular woodland" --top 5
      repair phrase "profound learning" -c "We train a profound learning model on images."
      repair phrase "neural organization" --format json
    """
    from . import phrase as ph
    from .render import json_text
    from .spin import default_channel

    channel = default_channel(_lexicons(lexicon))
    results = []
    for text in phrases:
        try:
            results.append((text, ph.readings(text, context, channel=channel, top=top)))
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if format is EvalFormat.json:
        write_stdout(json_text([{"phrase": text, "context": context,
                                 "readings": [{"text": r.text, "probability": round(r.probability, 4),
                                               "changes": [{"spun": a, "original": b} for a, b in r.changes]}
                                              for r in found]}
                                for text, found in results]), generated=True)
        return
    out = []
    for text, found in results:
        out.append(f"{text}\n")
        if not found:
            out.append("  no reading: no word of it has a candidate original\n")
        width = max((len(r.text) for r in found), default=0)
        for k, r in enumerate(found, 1):
            swaps = ", ".join(f"{a} -> {b}" for a, b in r.changes)
            out.append(f"  {k}. {r.text:<{width}}  {r.probability:.2f}  {swaps}\n")
    write_stdout("".join(out), generated=True)

# --- end phrase --------------------------------------------------------------------------


# --- learn, lexicon validate: spin lexicons (repair/learn.py, repair/lexicon.py) ---------

def _source_text(value: str) -> str:
    if not value.strip() or any(c in value for c in "\t\r\n"):
        raise typer.BadParameter("must be non-empty text without tabs or line breaks")
    return value.strip()


def _existing_lexicon(path: str, mend_it: bool):
    """(entries, header comments, notes of what was mended) of the lexicon at ``path``;
    ([], [], []) when there is none.  One that does not validate is refused unless ``mend_it``."""
    from .lexicon import LexiconError, mend, read_header_comments, validate

    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory")
    if not os.path.exists(path):
        return [], [], []
    try:
        entries, notes = mend(path)
        if notes and not mend_it:
            problems = validate(path)
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CliError(f"{problems[0].format(path)}{more}; learn merges only into a lexicon that "
                           f"passes '{PROG} lexicon validate': fix it, or give --repair to mend it")
        return entries, read_header_comments(path), notes
    except LexiconError as exc:
        raise CliError(str(exc)) from None


def _lexicon_changes(old, new) -> list:
    """(old entry or None, new entry) for every pair that is new or whose figures changed."""
    before = {e.pair: e for e in old}
    return [(before.get(e.pair), e) for e in new if before.get(e.pair) != e]


def _render_lexicon_changes(changes, left_out=()) -> str:
    def fig(old, new, fmt) -> str:
        return fmt(new) if old is None or fmt(old) == fmt(new) else f"{fmt(old)} -> {fmt(new)}"

    rows = [("change", "spun \u2192 original", "count", "weight")]
    for old, e in changes:
        rows.append(("add" if old is None else "update", f"{e.spun} \u2192 {e.original}",
                     fig(old and old.count, e.count, str),
                     fig(old and old.weight, e.weight, lambda w: format(w, ".3g"))))
    rows += [("left out", f"{e.spun} \u2192 {e.original}", str(e.count), format(e.weight, ".3g"))
             for e in left_out]  # left out: its original is a spun key, or its spun key an original
    if len(rows) == 1:
        return "nothing to add or change\n"
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join(f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]:>{width[2]}}  {r[3]}\n"
                   for r in rows)


_LEARN_PAIRS = typer.Argument(
    None, metavar="PAIRS.jsonl...",
    help='Aligned pairs: JSONL files of {"original": ..., "spun": ...} objects, one a line '
         "(- for standard input).")


@app.command("learn")
def learn_(
    pairs: list[str] | None = _LEARN_PAIRS,
    output: str = typer.Option(..., "--output", "-o", metavar="LEXICON.tsv",
                               help="The lexicon to create, or to merge into (atomically)."),
    dirs: tuple[str, str] | None = typer.Option(
        None, "--dirs", metavar="ORIG_DIR SPUN_DIR",
        help="Also read pairs from two folders whose files match by relative path."),
    min_count: int = typer.Option(1, "--min-count", min=1, metavar="N",
                                  help="Keep substitutions seen at least N times."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Print the entries that would be added or changed; write nothing."),
    source: str = typer.Option("learned", "--source", metavar="TEXT", callback=_source_text,
                               help="Provenance for the source column of new entries."),
    mend_it: bool = typer.Option(
        False, "--repair",
        help="Merge into a LEXICON.tsv that does not validate, mending it first: duplicates merged, "
             "self-pairs, entries without letters and the weaker entry of each chain or cycle "
             "dropped; each change is listed on standard error."),
) -> None:
    """Learn spun -> original wording from aligned pairs into a lexicon (TSV).

    Each pair is aligned word by word; every substitution the spinner made is
    counted and weighted by how often its spun wording occurs at all.  An
    existing LEXICON.tsv is merged into and never loses an entry: counts add,
    weights are pooled, and new entries that would form a chain (an original
    that is another entry's spun wording) are left out.  An existing lexicon
    that does not pass 'repair lexicon validate' is refused (exit 2) unless
    --repair is given.  Each run adds a header comment line recording the
    pairs' content hash; learning the same pairs again warns (their counts
    would add twice).  --dry-run lists what would be added, updated or left
    out as a chain.  A one-line summary goes to standard error.

    \b
    Examples:
      repair learn pairs.jsonl -o my-spins.tsv
      repair learn more.jsonl -o my-spins.tsv --min-count 2 --dry-run
      repair learn --dirs originals/ spun/ -o my-spins.tsv --source "batch 7"
    """
    from . import learn as learning
    from .lexicon import merge, resolve_chains, write_lexicon

    sources = list(pairs or []) + ([tuple(dirs)] if dirs else [])
    if not sources:
        raise CliError("nothing to learn from: give PAIRS.jsonl files or --dirs ORIG_DIR SPUN_DIR")
    try:
        read = learning.read_pairs(sources)
    except learning.PairsError as exc:
        raise CliError(str(exc)) from None
    new, stats = learning.learn_with_stats(read, min_count=min_count, source=source)
    old, comments, mended = _existing_lexicon(output, mend_it)
    for note in mended:
        sys.stderr.write(f"{PROG}: learn: mended {note.format(output)}\n")
    kept, refused = resolve_chains(merge(old, new), keep=[e.pair for e in old])
    changes = _lexicon_changes(old, kept)
    added = sum(o is None for o, _ in changes)
    digest = learning.pairs_digest(read)
    if any(digest in comment for comment in comments):
        sys.stderr.write(f"{PROG}: learn: warning: {output} already records learning from these pairs "
                         f"({digest}); their counts are added again\n")
    comments = [*comments, f"{PROG} learn: {stats.pairs} pairs ({digest}) as {source!r}, min count "
                           f"{min_count}: {added} entries added, {len(changes) - added} updated; "
                           f"{len(kept)} entries now"]
    if dry_run:
        write_stdout(_render_lexicon_changes(changes, refused), generated=True)
    else:
        try:
            write_lexicon(output, kept, comments)
        except OSError as exc:
            raise CliError(f"{output}: cannot write: {exc.strerror or exc}") from None
    where = "dry run, nothing written" if dry_run else f"written to {output}"
    sys.stderr.write(f"{PROG}: learn: {stats.pairs} pairs, {stats.substitutions} substitutions "
                     f"({len(new)} distinct with count >= {min_count}); {added} entries added, "
                     f"{len(changes) - added} updated, {len(refused)} left out as chains; {where}\n")


lexicon_app = typer.Typer(
    name="lexicon",
    help="Work with spin lexicons (TSV files of spun -> original wording).\n\n"
         "\b\nExamples:\n  repair lexicon validate my-spins.tsv\n"
         "  repair learn pairs.jsonl -o my-spins.tsv   (builds or extends one)",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(lexicon_app, name="lexicon")


_VALIDATE_FILES = typer.Argument(..., metavar="FILE...", help="Lexicon files to check (- for standard input).")


@lexicon_app.command("validate")
def lexicon_validate(
    paths: list[str] = _VALIDATE_FILES,
) -> None:
    """Check lexicon files: format, order, duplicates, self-pairs, chains, cycles.

    Prints one FILE:LINE: kind: message line per problem.  Exit status: 0 when
    every file is clean, 1 when a problem was found, 2 when a file cannot be
    read (the other files are still checked).

    \b
    Examples:
      repair lexicon validate my-spins.tsv
      repair lexicon validate lexicons/*.tsv
    """
    from .lexicon import LexiconError, validate, validate_text

    if paths.count("-") > 1:
        raise CliError("standard input can be read only once; give '-' once")
    found = failed = False
    for path in paths:
        try:
            problems = validate(path) if path != "-" else validate_text(read_text("-"))
        except LexiconError as exc:
            _error(str(exc))
            failed = True
            continue
        except InputError as exc:  # standard input: NAME:LINE: reason, as a file's would be
            _error(f"{display_name(path)}{'' if exc.line is None else f':{exc.line}'}: {exc.reason}")
            failed = True
            continue
        found = found or bool(problems)
        write_stdout("".join(p.format(display_name(path)) + "\n" for p in problems), generated=True)
    raise typer.Exit(EXIT_USAGE if failed else EXIT_FOUND if found else EXIT_OK)

# --- end learn, lexicon validate ---------------------------------------------------------


# --- review, diff, report, apply: reading change logs (repair/review.py, diffview.py, report.py,
# decisions.py) ------------------------------------------------------------------------------

def _optional_confidence(value: Optional[float]) -> Optional[float]:
    return None if value is None else _confidence(value)


_FROM_LOG = typer.Option(None, "--log", metavar="LOG.json",
                         help="Read the changes from this change log (JSON or JSONL, as `fix --log` or "
                              "`check --format json|jsonl` write it) instead of running the engine; it must "
                              "fit FILE. A log of several files (a folder's run) gives FILE's changes.")


def _changes_of(path: str, text: str, log: Optional[str], floor: Optional[float], options) -> tuple[list, float]:
    """The changes to review, diff or report: LOG's (those at or above FLOOR when given), or else
    the engine's suggestions at or above FLOOR (default: the threshold), overlaps left out; and
    the threshold of the text: the engine's for its spin score, or with a log the lowest a text
    can get (a log holds what its run applied, which in a text that read as spun went that low)."""
    from .pipeline import fix_and_explain
    from .review import read_log, reviewable

    if log is not None:
        changes = read_log(log, text, display_name(path), path)
        return (changes if floor is None else [c for c in changes if c.confidence >= floor]), options.lowest_threshold
    result = fix_and_explain(text, options)
    floor = result.threshold if floor is None else floor
    return reviewable([c for c in result.suggestions if c.confidence >= floor]), result.threshold


def _threshold_option(what: str):
    return typer.Option(None, "--min-confidence", "-c", metavar="X", callback=_optional_confidence,
                        help=f"The threshold (0..1): {what}. Default: the configuration's "
                             f"min-confidence, else {DEFAULT_THRESHOLD} ({SPUN_THRESHOLD} in a text "
                             f"that reads as spun: spin score >= {SPUN_SCORE}).")


@app.command("review")
def review_(
    path: str = typer.Argument(..., metavar="FILE", help="File to review."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUT",
                                         help="Write the reviewed text to OUT (atomically); "
                                              "default: FILE.repaired."),
    in_place: bool = typer.Option(False, "--in-place", "-i",
                                  help="Rewrite FILE itself (atomically, only if something changed)."),
    log_out: Optional[str] = typer.Option(None, "--log-out", metavar="LOG",
                                          help="Write the accepted changes to LOG: JSON, or JSONL if "
                                               "LOG ends with .jsonl."),
    log: Optional[str] = _FROM_LOG,
    min_confidence: Optional[float] = _threshold_option("the default of --floor and of the 'a' key"),
    floor: Optional[float] = typer.Option(
        None, "--floor", metavar="F", callback=_optional_confidence,
        help="Ask about the engine's suggestions down to confidence F (default: the threshold; "
             "with --log, every logged change)."),
    lexicon: List[str] = _LEXICON,
    select: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    ignore_words: Optional[str] = _IGNORE_WORDS,
    config: Optional[str] = _CONFIG,
    isolated: bool = _ISOLATED,
) -> None:
    """Go through the suggested edits one by one, as `git add -p` does.

    Each change is shown in its line with its confidence, rule, reason and the
    other candidates.  Keys (no Enter needed on a terminal): y accept, n reject,
    1-9 accept with candidate N, e type a replacement, a accept every remaining
    change at or above a confidence, u undo, q quit (undecided changes are not
    applied), ? help.  When standard input is not a terminal, one key per line
    is read, so reviews can be scripted.

    The result goes to FILE.repaired (or -o OUT; the input is rewritten only
    with --in-place), and --log-out keeps the accepted changes, with the wording
    chosen for each: applying that log to FILE gives the result.

    \b
    Examples:
      repair review article.txt
      repair review article.txt -o clean.txt --log-out accepted.json
      repair review article.txt --in-place --floor 0.3
      repair review article.txt --log changes.json
      printf 'y\\nn\\nq\\n' | repair review article.txt -o clean.txt
    """
    from . import review as rv
    from .changes import apply_changes
    from .diffview import COLOUR, PLAIN, use_colour

    if path == "-":
        raise CliError("review needs a file path: standard input carries the keys")
    if in_place and output is not None:
        raise CliError("--in-place and --output cannot be used together")
    target = path if in_place else output or path + ".repaired"
    if target == "-":
        raise CliError("review writes its questions to standard output; give --output a file")
    if not in_place and same_path(target, path):
        raise CliError(f"{target}: is the input file; use --in-place to rewrite it")
    if log_out is not None and same_path(log_out, path):
        raise CliError(f"--log-out {log_out}: is the input file")
    if not in_place:
        _refuse_overwrite("--output" if output is not None else "the output", target,
                          ("the --log file it reads", log))
    _refuse_overwrite("--log-out", log_out, ("the output file", target), ("the --log file it reads", log))
    _writable(log_out, target)
    options = _settings([path], config, isolated, min_confidence, lexicon, select, ignore, ignore_words).options
    text = read_text(path)
    changes, threshold = _changes_of(path, text, log, floor, options)
    state = rv.ReviewState(changes)
    out = sys.stdout
    if state.changes:
        style = COLOUR if use_colour(out) else PLAIN
        rv.run(state, text, rv.key_reader(out), out, threshold=threshold, style=style)
    else:
        out.write("nothing to review\n")
    accepted = state.accepted()
    result = apply_changes(text, accepted)
    if log_out is not None:  # the log first: an in-place rewrite must never lose its way back
        _write_file(log_out, rv.render_log(display_name(path), accepted, log_out, tool=PROG, version=__version__),
                    generated=True)
    write_result = not in_place or result != text
    if write_result:
        _write_file(target, result)
    wrote = [p for p in (target if write_result else None, log_out) if p]
    out.write(encode_generated(f"{rv.summary(state)}" + (f"; wrote {' and '.join(wrote)}" if wrote else "")
                               + "\n").decode("utf-8"))
    out.flush()


class ColourChoice(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


@app.command("diff")
def diff_(
    path: str = typer.Argument(..., metavar="FILE", help="File to repair, or - for standard input."),
    log: Optional[str] = _FROM_LOG,
    word: Optional[bool] = typer.Option(
        None, "--word/--unified",
        help="A word-level inline view ([-old-]{+new+}, or colours) or a unified diff. "
             "Default: --word on a terminal, --unified when piped."),
    colour: ColourChoice = typer.Option(ColourChoice.auto, "--color", "--colour",
                                        help="Colour the output: auto (on a terminal, unless NO_COLOR "
                                             "is set), always or never."),
    min_confidence: Optional[float] = _RUN_MIN_CONFIDENCE,
    lexicon: List[str] = _LEXICON,
    select: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    ignore_words: Optional[str] = _IGNORE_WORDS,
    config: Optional[str] = _CONFIG,
    isolated: bool = _ISOLATED,
) -> None:
    """Show what `fix` would change (or what a change log changes), as a diff.

    The word view prints each touched line once with its edits inline, as
    `git diff --word-diff` does: [-old-]{+new+} when plain, deletions red and
    struck through and insertions green in colour.  Writes no files.

    \b
    Examples:
      repair diff article.txt
      repair diff article.txt --word --color never
      repair diff article.txt --unified > article.patch
      repair diff article.txt --log changes.json
    """
    from .diffview import COLOUR, PLAIN, unified, use_colour, word_diff

    options = _settings([path], config, isolated, min_confidence, lexicon, select, ignore, ignore_words).options
    text = read_text(path)
    changes, _ = _changes_of(path, text, log, None, options)
    style = COLOUR if use_colour(sys.stdout, colour.value) else PLAIN
    if word is None:
        word = sys.stdout.isatty()
    render = word_diff if word else unified
    write_stdout(render(display_name(path), text, changes, style), generated=True)


@app.command("report")
def report_(
    paths: List[str] = typer.Argument(..., metavar="PATH...", help="Files to report on."),
    html: str = typer.Option(..., "--html", metavar="OUT.html", help="Write the page to OUT.html."),
    log: List[str] = typer.Option([], "--log", metavar="LOG.json",
                                  help="Read the changes from change logs instead of running the "
                                       "engine: one --log per PATH, in the same order."),
    min_confidence: Optional[float] = _threshold_option("changes at or above it start accepted"),
    floor: Optional[float] = typer.Option(
        None, "--floor", metavar="F", callback=_optional_confidence,
        help="Show the engine's suggestions down to confidence F, unticked below the threshold "
             "(default: half the lowest threshold a text can get; with --log, every logged change)."),
    lexicon: List[str] = _LEXICON,
    select: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    ignore_words: Optional[str] = _IGNORE_WORDS,
    config: Optional[str] = _CONFIG,
    isolated: bool = _ISOLATED,
) -> None:
    """Write one self-contained HTML page to review the changes in a browser.

    Each file's original and repaired text stand side by side, every change
    marked (hover or click one for its confidence, rule, reason and
    candidates), with an accept toggle per change, "Accept all" and "Reject
    all".  "Export decisions" saves a decisions file for `repair apply`; it
    records each input's SHA-256, so apply refuses an input that has changed,
    and the folder the report was made in, so apply finds relative paths from
    any folder.
    The page loads nothing from the network.

    \b
    Examples:
      repair report article.txt --html review.html
      repair report scraped/*.txt --html review.html --floor 0.3
      repair report article.txt --log changes.json --html review.html
      repair apply repair-decisions.json -o final/
    """
    from .decisions import file_entry
    from .report import render_html, view

    if log and len(log) != len(paths):
        raise CliError(f"give one --log per PATH ({len(paths)} paths, {len(log)} logs)")
    if "-" in paths:
        raise CliError("report needs file paths, not '-': apply finds the inputs by path")
    if any(same_path(html, p) for p in paths):
        raise CliError(f"--html {html}: is an input file")
    _refuse_overwrite("--html", html, *(("a --log file it reads", p) for p in log))
    _writable(html)
    options = _settings(paths, config, isolated, min_confidence, lexicon, select, ignore, ignore_words).options
    threshold = options.min_confidence
    if floor is None and not log:
        floor = options.lowest_threshold / 2
    entries, views, failed = [], [], False
    for k, path in enumerate(paths):
        try:
            text = read_text(path)
            changes, file_threshold = _changes_of(path, text, log[k] if log else None, floor, options)
        except InputError as exc:
            _error(str(exc))
            failed = True
            continue
        entries.append(file_entry(path, text, changes, file_threshold))
        views.append(view(text, changes))
    try:
        base = os.getcwd()  # relative paths are relative to it: apply finds them from any folder
    except OSError:  # the current folder was removed
        base = None
    _write_file(html, render_html(entries, views, threshold=threshold, generator=f"{PROG} {__version__}",
                                  spun_threshold=options.spun_min_confidence, base=base), generated=True)
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


@app.command("apply")
def apply_(
    decisions: str = typer.Argument(..., metavar="DECISIONS.json",
                                    help="A decisions file, as a report's \"Export decisions\" saves it."),
    output_dir: Optional[str] = typer.Option(None, "--output-dir", "-o", metavar="OUT_DIR",
                                             help="Write each file under OUT_DIR (its relative path kept)."),
    in_place: bool = typer.Option(False, "--in-place", "-i",
                                  help="Rewrite the input files themselves (atomically)."),
) -> None:
    """Write the final files from a decisions file: only the accepted changes.

    Each input is checked against the SHA-256 the report recorded; one that
    has changed since (or is missing, or whose entry cannot be read) is
    reported on one line and skipped, the others are applied, and the exit
    status is then 2.  Relative paths are relative to the folder the report
    was made in, which the decisions file records (in one made before it did,
    to the current folder).  Inputs are rewritten only with --in-place.

    \b
    Examples:
      repair apply repair-decisions.json -o final/
      repair apply repair-decisions.json --in-place
    """
    from . import decisions as dc

    if in_place == (output_dir is not None):
        raise CliError("give either --output-dir OUT_DIR or --in-place" if not in_place
                       else "--in-place and --output-dir cannot be used together")
    try:
        files = dc.parse(read_text(decisions), display_name(decisions), strict=False)
        written, applied, failed = dc.apply_all(files, out_dir=output_dir, in_place=in_place, on_error=_error)
    except dc.DecisionsError as exc:
        raise CliError(str(exc)) from None
    where = f"under {output_dir}" if output_dir is not None else "in place"
    sys.stderr.write(f"{PROG}: apply: {applied} change{'s' * (applied != 1)} applied; "
                     f"{written} file{'s' * (written != 1)} written {where}"
                     + (f"; {failed} failed" if failed else "") + "\n")
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)

# --- end review, diff, report, apply -----------------------------------------------------


def main(argv: Optional[List[str]] = None) -> None:
    """Console entry point (``repair``)."""
    app(args=argv, prog_name=PROG)


if __name__ == "__main__":
    main()

"""Batch runs over a folder: walking, the resume manifest, worker processes, the summary.

``repair fix DIR --out OUT`` and ``repair check DIR`` are built from the pieces here, and
each piece is usable without the command line:

* :func:`walk` lists a tree's files: recursive and sorted; ``include``/``exclude`` globs;
  hidden files and folders (``.git`` among them) skipped; symlinked folders not followed;
  a symlinked file whose target lies outside the tree skipped with a note; a folder to
  leave out (the output folder, when it lies inside the tree) never entered.
* :func:`run` repairs or checks a list of :class:`Job` s, in this process or in ``workers``
  worker processes, and yields one :class:`FileResult` per job, in order.  Each worker
  loads the engine once, on its first file, and keeps it; a stand-in engine (``suggest``)
  is passed to the workers explicitly.  A file that cannot be read or written becomes a
  failed result with its reason; the other files go on.
* :class:`Manifest` (``OUT/.repair-manifest.json``, written atomically) remembers, per
  relative path, the hash of the input, a fingerprint of everything else the output
  depends on (:func:`fingerprint`: repair's version, the options, the rules, the bundled
  tables and the user's lexicons and ignore-word list) and the output's hash, size and
  modification time.  An output whose entry still matches is up to date and skipped
  without loading the engine; ``force`` redoes everything.
* :func:`fix_tree` puts them together for ``repair fix DIR``; :class:`Summary` holds the
  figures printed at the end.

Writes are atomic (temporary file and ``os.replace``) and stay inside the output folder (an
output that is a symlink, or whose folder is one leading out of it, is a failed file);
inputs are only rewritten in place when asked (``in_place``, with ``backup`` copies).
Bytes outside the edits (BOM, CRLF, a missing final newline) are kept, as for one file.
"""
from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from .changes import Change
from .pipeline import Options, fix_and_explain, selected_rules
from .textio import InputError, _umask, decode, encode_generated, read_bytes, write_bytes_atomic

__all__ = ["DEFAULT_INCLUDE", "MANIFEST_NAME", "Settings", "Walk", "Job", "FileResult", "Manifest",
           "Summary", "JsonlLog", "walk", "matches", "fingerprint", "run", "fix_tree", "check_jobs", "out_dir_problem",
           "log_problem",
           "progress", "file_hash"]

DEFAULT_INCLUDE = ("*.txt", "*.text", "*.md", "*.markdown", "*.rst")
MANIFEST_NAME = ".repair-manifest.json"
_MANIFEST_FORMAT = 2  # 2: each entry also holds the file's changes (a rerun's log keeps the skipped files)
_SAVE_EVERY_S = 2.0  # the manifest is saved this often during a run (and at its end)
# bytes of inputs read to check them against the manifest that are kept for their jobs (so they are
# read once); beyond this, a job reads its file again, so a run over many changed files stays bounded
_HOLD_BYTES = 64 << 20


@dataclass(frozen=True)
class Settings:
    """What every file of a run is repaired with; sent once to each worker process.

    ``suggest`` replaces the engine's proposal step (see
    :func:`repair.pipeline.fix_and_explain`); it must be a module-level function so that
    worker processes can import it.  None: the bundled engine."""
    options: Options = Options()
    suggest: Callable | None = None


# --- walking -------------------------------------------------------------------------------

@dataclass
class Walk:
    root: str
    files: list[str] = field(default_factory=list)  # relative paths, "/"-separated, sorted
    notes: list[str] = field(default_factory=list)  # "PATH: why it was skipped", one line each


def matches(rel: str, patterns: Iterable[str]) -> bool:
    """Does the relative path ``rel`` ("/"-separated) match one of the glob ``patterns``?

    As in .gitignore: a pattern without a "/" matches a name at any depth (``*.bak``,
    ``drafts``); one with a "/" matches the path from the root (``notes/*.txt``; ``*``
    crosses folders there).  A trailing "/" is ignored; matching is case-sensitive."""
    name = rel.rsplit("/", 1)[-1]
    for p in patterns:
        p = p.strip().rstrip("/")
        if p.startswith("./"):
            p = p[2:]
        if not p:
            continue
        if "/" in p:
            if fnmatch.fnmatchcase(rel, p.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(name, p):
            return True
    return False


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def walk(root: str, include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = (),
         skip: Iterable[str] = ()) -> Walk:
    """The files under ``root`` to work on (see the module docstring).  ``skip``: folders
    never entered (compared by real path), such as an output folder inside the tree.
    ``include`` applies to files, ``exclude`` to files and folders."""
    result = Walk(root)
    real_root = os.path.realpath(root)
    skipped = {os.path.realpath(s) for s in skip}

    def show(rel: str) -> str:
        return os.path.join(root, *rel.split("/"))

    def visit(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.notes.append(f"{show(prefix.rstrip('/')) if prefix else root}: cannot list: "
                                f"{exc.strerror or exc}")
            return
        for entry in entries:
            rel = prefix + entry.name
            if entry.name.startswith("."):
                continue  # hidden, .git among them
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_link, is_dir = False, False
            if matches(rel, exclude):
                continue
            if is_dir:
                if is_link:
                    result.notes.append(f"{show(rel)}: skipped: a symlinked folder is not followed")
                elif os.path.realpath(entry.path) not in skipped:
                    visit(entry.path, rel + "/")
                continue
            if not matches(rel, include):
                continue
            if is_link:
                target = os.path.realpath(entry.path)
                if not _inside(target, real_root):
                    result.notes.append(f"{show(rel)}: skipped: symlink to a file outside {root}")
                    continue
                if not os.path.exists(target):
                    result.notes.append(f"{show(rel)}: skipped: broken symlink")
                    continue
            result.files.append(rel)

    visit(root, "")
    return result


# --- fingerprints and the manifest ---------------------------------------------------------

def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content_hash(path: str) -> str:
    try:
        return file_hash(read_bytes(path))
    except InputError:
        return "unreadable"


def _bundled_tables() -> list:
    """Name, size and modification time of each shipped table (hashing 100 MB on every run
    would cost more than a skipped run may take); the small ones by content."""
    from .data import lexicon_dir

    rows = []
    for p in sorted(lexicon_dir().iterdir()):
        if p.is_file():
            st = p.stat()
            rows.append([p.name, _content_hash(str(p))] if st.st_size < (1 << 20)
                        else [p.name, st.st_size, st.st_mtime_ns])
    return rows


def fingerprint(settings: Settings) -> str:
    """A hash of everything besides the input that an output depends on."""
    from . import __version__

    o = settings.options
    s = settings.suggest
    data = {
        "repair": __version__,
        "engine": None if s is None else f"{getattr(s, '__module__', '?')}.{getattr(s, '__qualname__', '?')}",
        "min_confidence": o.min_confidence,
        "spun_min_confidence": o.spun_min_confidence,
        "rules": sorted(selected_rules(o.select, o.ignore)),
        "lexicons": [[os.path.abspath(p), _content_hash(p)] for p in o.lexicons],
        "ignore_words": sorted(o.ignore_words),
        "tables": _bundled_tables(),
    }
    return file_hash(json.dumps(data, sort_keys=True).encode())


class Manifest:
    """Which outputs of an output folder are up to date (see the module docstring)."""

    def __init__(self, out_dir: str):
        self.path = os.path.join(out_dir, MANIFEST_NAME)
        self.files: dict[str, dict] = {}
        self._dirty = False
        try:
            data = json.loads(read_bytes(self.path))
            if data.get("format") == _MANIFEST_FORMAT and isinstance(data.get("files"), dict):
                self.files = data["files"]
        except (InputError, ValueError, AttributeError):
            pass  # no manifest, or an unusable one: everything is redone

    def up_to_date(self, rel: str, input_hash: str, key: str, dest: str) -> bool:
        entry = self.files.get(rel)
        if not entry or entry.get("input") != input_hash or entry.get("key") != key:
            return False
        try:
            st = os.stat(dest, follow_symlinks=False)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (entry.get("size"),
                                                                           entry.get("mtime_ns"))

    def changes(self, rel: str) -> list[Change] | None:
        """The changes recorded for ``rel`` (those of its up-to-date output), or None when the
        entry holds none that can be read: the file is then redone rather than logged wrongly."""
        entry = self.files.get(rel) or {}
        try:
            return [Change.from_dict(d) for d in entry["changes"]]
        except (KeyError, TypeError, ValueError):
            return None

    def record(self, rel: str, result: "FileResult", key: str) -> None:
        self.files[rel] = {"input": result.input_hash, "key": key, "output": result.output_hash,
                           "size": result.output_size, "mtime_ns": result.output_mtime_ns,
                           "changes": [c.to_dict() for c in result.changes]}
        self._dirty = True

    def forget(self, rel: str) -> None:
        if self.files.pop(rel, None) is not None:
            self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        from . import __version__

        data = {"format": _MANIFEST_FORMAT, "tool": "repair", "version": __version__,
                "files": dict(sorted(self.files.items()))}
        # a name that is not UTF-8 is written as its JSON escape ("caf\\udce9.txt"), read back as itself
        write_bytes_atomic(self.path, encode_generated(json.dumps(data, ensure_ascii=False, indent=0)))
        self._dirty = False


# --- the work of one file --------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    rel: str  # the manifest key: the path under the root, "/"-separated
    src: str  # the file to read (also the name in messages and the change log)
    dest: str | None = None  # where to write the repaired text; None: check only
    in_place: bool = False  # dest is src: rewrite it only when something changed
    backup: str | None = None  # with in_place: keep the original here first
    keep_text: bool = False  # return the input text (for renderers)
    text: str | None = None  # the input, already read (standard input); src is then only its name
    data: bytes | None = None  # the input's bytes, already read (to hash them for the manifest)
    error: str = ""  # the input could not even be read by the parent: report this reason
    explicit: bool = False  # named on the command line, not found by walking a folder
    out_dir: str | None = None  # the output folder dest must stay in (its folders may be symlinks)


@dataclass
class FileResult:
    rel: str
    path: str  # the input path, as the user would name it
    ok: bool = True
    reason: str = ""  # why it failed (one line, without the path)
    internal: bool = False  # the failure is a bug, not the file's fault
    words: int = 0
    changes: list[Change] = field(default_factory=list)
    spin_score: float = 0.0
    threshold: float | None = None  # the threshold the text got (pipeline.Result.threshold)
    text: str | None = None  # the input, when the job asked for it
    input_hash: str = ""
    output_hash: str = ""
    output_size: int = 0
    output_mtime_ns: int = 0
    written: bool = False


def _process(job: Job, settings: Settings) -> FileResult:
    res = FileResult(job.rel, job.src)
    if job.error:
        res.ok, res.reason = False, job.error
        return res
    try:
        if job.text is None:
            data = job.data if job.data is not None else read_bytes(job.src)
            text = decode(data, job.src)
        else:
            text = job.text
            data = text.encode("utf-8")
    except InputError as exc:
        res.ok, res.reason = False, exc.reason
        return res
    res.input_hash = file_hash(data)
    res.words = len(text.split())
    try:
        result = fix_and_explain(text, settings.options, suggest=settings.suggest)
    except Exception as exc:  # noqa: BLE001 - one file's engine failure must not end the batch
        if os.environ.get("REPAIR_DEBUG"):
            raise
        res.ok, res.internal = False, True
        res.reason = f"internal error: {exc.__class__.__name__}: {' '.join(str(exc).split())}"
        return res
    res.changes, res.spin_score, res.threshold = result.changes, result.spin_score, result.threshold
    if job.keep_text:
        res.text = text
    if job.dest is None:
        return res
    out = result.text.encode("utf-8")
    res.output_hash = file_hash(out)
    try:
        _write(job, data, out, res)
    except OSError as exc:
        res.ok = False
        res.reason = f"cannot write {getattr(exc, 'filename', None) or job.dest}: {exc.strerror or exc}"
    return res


def _write(job: Job, data: bytes, out: bytes, res: FileResult) -> None:
    dest = job.dest
    assert dest is not None
    if job.in_place:
        if out == data:
            return
        if job.backup is not None:
            write_bytes_atomic(job.backup, data, like=job.src)  # as private as the original
        write_bytes_atomic(dest, out)
        res.written = True
        return
    parent = os.path.dirname(dest) or "."
    if job.out_dir is not None and not _inside(os.path.realpath(parent), os.path.realpath(job.out_dir)):
        # checked before makedirs, which would make folders wherever a symlinked folder points
        raise OSError(0, f"its folder leads out of {job.out_dir} through a symlink; not following it", dest)
    os.makedirs(parent, exist_ok=True)
    if os.path.islink(dest):
        raise OSError(0, "is a symlink; not following it out of the output folder", dest)
    write_bytes_atomic(dest, out)
    st = os.stat(dest)
    res.output_size, res.output_mtime_ns, res.written = st.st_size, st.st_mtime_ns, True


# --- running jobs, here or in worker processes ----------------------------------------------

_WORKER_SETTINGS: Settings | None = None


def _init_worker(settings: Settings) -> None:
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's stop-as-interrupt (repair.cli)


def _work(job: Job) -> FileResult:
    assert _WORKER_SETTINGS is not None
    return _process(job, _WORKER_SETTINGS)


def run(jobs: Sequence[Job], settings: Settings, workers: int = 1) -> Iterator[FileResult]:
    """Process ``jobs``; yield their results in order.  With ``workers`` > 1, in that many
    worker processes, each of which loads the engine once."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _process(job, settings)
        return
    from concurrent.futures import ProcessPoolExecutor

    n = min(workers, len(jobs))
    pool = ProcessPoolExecutor(max_workers=n, initializer=_init_worker, initargs=(settings,))
    try:
        yield from pool.map(_work, jobs, chunksize=max(1, min(8, len(jobs) // (n * 16))))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- progress and summary ------------------------------------------------------------------

@contextlib.contextmanager
def progress(total: int, label: str, enabled: bool | None = None):
    """Yield ``advance(words)``, called once per file: a rich progress bar with files/s and
    words/s on standard error when it is a terminal (``enabled`` None), else nothing."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        yield lambda words: None
        return
    from rich import progress as rp
    from rich.console import Console

    start, counts = time.monotonic(), [0, 0]
    columns = (rp.TextColumn(label), rp.BarColumn(), rp.MofNCompleteColumn(),
               rp.TextColumn("{task.fields[rate]}"), rp.TimeRemainingColumn())
    with rp.Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(words: int) -> None:
            counts[0] += 1
            counts[1] += words
            dt = max(time.monotonic() - start, 1e-6)
            bar.update(task, advance=1,
                       rate=f"{counts[0] / dt:,.1f} files/s  {counts[1] / dt:,.0f} words/s")

        yield advance


@dataclass
class Summary:
    """The figures of a batch run."""
    command: str = "fix"
    files: int = 0  # listed for this run
    processed: int = 0  # read and repaired (or checked) in this run
    changed: int = 0  # files with at least one change
    words: int = 0
    by_rule: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    internal: int = 0  # failures that are bugs
    up_to_date: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, r: FileResult) -> None:
        if not r.ok:
            self.failed.append((r.path, r.reason))
            self.internal += r.internal
            return
        self.processed += 1
        self.words += r.words
        self.changed += bool(r.changes)
        self.by_rule.update(c.rule for c in r.changes)

    def lines(self) -> list[str]:
        """The summary, as lines for standard error."""
        dt = max(self.seconds, 1e-9)
        what = "repaired" if self.command == "fix" else "checked"
        changes = sum(self.by_rule.values())
        rules = ", ".join(f"{rule} {n:,}" for rule, n in sorted(self.by_rule.items(),
                                                               key=lambda kv: (-kv[1], kv[0])))
        skipped = f"{self.up_to_date:,} up to date (skipped), " if self.command == "fix" else ""
        return [
            f"{self.files:,} files: {self.processed:,} {what} ({self.changed:,} with changes), "
            f"{skipped}{len(self.failed):,} failed",
            f"{self.words:,} words in {self.seconds:.1f} s ({self.words / dt:,.0f} words/s, "
            f"{self.processed / dt:,.1f} files/s)",
            f"{changes:,} changes" + (f": {rules}" if rules else ""),
        ]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["by_rule"] = dict(self.by_rule)
        return d


# --- the command line's pieces -------------------------------------------------------------

def out_dir_problem(root: str, out_dir: str) -> str | None:
    """Why ``out_dir`` cannot take the repaired tree of ``root`` (None: it can).  It may lie
    inside ``root`` (the walk leaves it out) but must not be ``root`` or hold it."""
    r, o = os.path.realpath(root), os.path.realpath(out_dir)
    if r == o:
        return f"--out {out_dir}: is the input folder; use --in-place to rewrite its files"
    if _inside(r, o):
        return f"--out {out_dir}: holds the input folder {root}; choose a folder outside it"
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        return f"--out {out_dir}: is not a folder"
    manifest = os.path.join(out_dir, MANIFEST_NAME)
    if os.path.islink(manifest):  # its write would follow the link out of the output folder
        return f"{manifest}: is a symlink; not following it out of the output folder (remove it)"
    return None


def log_problem(log: str, root: str, listing: Walk, *, out_dir: str | None = None, in_place: bool = False,
                backup: bool = False) -> str | None:
    """Why the run's change log cannot be written to ``log`` (None: it can): it would replace
    a file the run reads or writes (an input, its output or backup copy, the manifest) and so
    lose it, or be lost itself.  A log elsewhere in the input folder is fine."""
    from .textio import writes_through

    if writes_through(log):
        return None  # written into (/dev/null, a pipe), never replacing anything

    def ident(path: str):  # the file a write to path would land on: its inode, else its real path
        try:
            st = os.stat(path)
            return st.st_dev, st.st_ino
        except OSError:
            return os.path.realpath(path)

    target = ident(log)
    named: list[tuple[str, str]] = []  # (path, what it is)
    if out_dir is not None:
        named.append((os.path.join(out_dir, MANIFEST_NAME), f"the manifest of {out_dir}"))
    for rel in listing.files:
        src = os.path.join(root, *rel.split("/"))
        named.append((src, "an input file of this run"))
        if out_dir is not None:
            named.append((os.path.join(out_dir, *rel.split("/")), f"the output of {src}"))
        elif in_place and backup:
            named.append((src + ".bak", f"the backup copy of {src}"))
    for path, what in named:
        if ident(path) == target:
            return f"--log {log}: is {what}; choose a file the run does not read or write"
    return None


def check_jobs(paths: Sequence[str], include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = (),
               read_stdin: Callable[[], str] | None = None) -> tuple[list[Job], list[str]]:
    """The jobs of ``repair check PATH...`` and the walks' notes: a folder's files as
    :func:`walk` finds them, a file as given (``include``/``exclude`` do not apply to it),
    ``-`` read here with ``read_stdin``."""
    jobs: list[Job] = []
    notes: list[str] = []
    for p in paths:
        if p == "-":
            try:
                text = read_stdin() if read_stdin is not None else ""
                jobs.append(Job("-", "<stdin>", text=text, keep_text=True, explicit=True))
            except InputError as exc:
                jobs.append(Job("-", "<stdin>", error=exc.reason, explicit=True))
        elif os.path.isdir(p):
            listing = walk(p, include, exclude)
            notes += listing.notes
            jobs += [Job(rel, os.path.join(p, *rel.split("/")), keep_text=True) for rel in listing.files]
        else:
            jobs.append(Job(p, p, keep_text=True, explicit=True))
    return jobs, notes


class JsonlLog:
    """The change log of a batch run: one JSON line per change, each with its file's
    ``path``, written to a temporary file beside ``path`` and moved into place when the
    run ends (also when it is interrupted: the log then holds the files that were done).
    ``path`` None: a log that writes nothing; ``-``: standard output, as the changes come; a
    device or named pipe (``/dev/null``, ``>(gzip > log.gz)``): written into as the changes
    come, never replaced (:func:`repair.textio.writes_through`)."""

    def __init__(self, path: str | None, **extra):
        self.path, self.extra = path, extra
        self._f = self._tmp = None
        self._through = False  # written straight into (standard output, a device, a pipe)

    def __enter__(self) -> "JsonlLog":
        from .textio import open_through, writes_through

        if self.path == "-":
            sys.stdout.flush()
            self._f, self._through = sys.stdout.buffer, True
        elif self.path is not None and writes_through(self.path):
            self._f = open_through(self.path)
            self._through = True
        elif self.path is not None:
            import tempfile

            folder = os.path.dirname(os.path.abspath(self.path))
            fd, self._tmp = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.", suffix=".tmp",
                                             dir=folder)
            self._f = os.fdopen(fd, "wb")
        return self

    def add(self, result: "FileResult") -> None:
        if self._f is not None and result.changes:
            from .render import render_jsonl

            self._f.write(encode_generated(render_jsonl(result.path, "", result.changes, **self.extra)))
            if self._through:
                self._f.flush()  # a reader downstream sees each file's changes as they come

    def __exit__(self, *exc) -> None:
        if self._f is None:
            return
        if self._through:
            if self.path == "-":
                self._f.flush()  # standard output is not ours to close
            else:
                self._f.close()
            return
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            os.chmod(self._tmp, 0o666 & ~_umask())
            os.replace(self._tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            raise


# --- repair fix DIR ----------------------------------------------------------------------------

def fix_tree(root: str, settings: Settings, *, out_dir: str | None = None, in_place: bool = False,
             backup: bool = False, include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = (),
             workers: int = 1, force: bool = False, log: Callable[[FileResult], None] | None = None,
             on_failure: Callable[[str, str], None] | None = None,
             show_progress: bool | None = None, listing: Walk | None = None) -> Summary:
    """Repair every file :func:`walk` finds under ``root``: into the mirror tree ``out_dir``
    (resumable through its manifest), or in place (``backup``: keep ``FILE.bak`` copies).

    ``log`` receives each file's result, in the walk's order, for the change log: a file
    repaired in this run as it comes, and one skipped as up to date with the changes the
    manifest recorded for it (they are what a rerun would give: same input, same
    fingerprint), so a rerun's log is as complete as the first run's.  ``on_failure``
    receives each failed file's path and reason, as they come.  Returns the
    :class:`Summary`; notes (skipped symlinks) are in ``Summary.notes``.  ``listing``: the
    :func:`walk` of ``root`` already made (to check the change log's path against it), else
    it is walked here."""
    if (out_dir is None) == (not in_place):
        raise ValueError("give exactly one of out_dir and in_place")
    t0 = time.monotonic()
    if listing is None:
        listing = walk(root, include, exclude, skip=[out_dir] if out_dir else [])
    summary = Summary("fix", files=len(listing.files), notes=list(listing.notes))
    manifest = key = None
    jobs: list[Job] = []
    order: list[int] = []  # each job's place in the listing
    skipped: list[tuple[int, FileResult]] = []  # up-to-date files with their recorded changes, in order
    if in_place:
        for rel in listing.files:
            src = os.path.join(root, *rel.split("/"))
            jobs.append(Job(rel, src, src, in_place=True, backup=src + ".bak" if backup else None))
        order = list(range(len(jobs)))
    else:
        assert out_dir is not None
        manifest = Manifest(out_dir)
        key = fingerprint(settings)
        held = 0
        for i, rel in enumerate(listing.files):
            src = os.path.join(root, *rel.split("/"))
            dest = os.path.join(out_dir, *rel.split("/"))
            data = None
            if not force and rel in manifest.files:  # only a file done before can be up to date
                try:  # read once: the job gets these bytes (or the reason they could not be read)
                    data = read_bytes(src)
                except InputError as exc:
                    jobs.append(Job(rel, src, dest, error=exc.reason))
                    order.append(i)
                    continue
                if manifest.up_to_date(rel, file_hash(data), key, dest):
                    recorded = manifest.changes(rel) if log is not None else []
                    if recorded is not None:
                        summary.up_to_date += 1
                        skipped.append((i, FileResult(rel, src, changes=recorded)))
                        continue
                if held + len(data) > _HOLD_BYTES:
                    data = None  # the job reads it again
                else:
                    held += len(data)
            jobs.append(Job(rel, src, dest, data=data, out_dir=out_dir))
            order.append(i)
    pending = iter(skipped)
    next_skipped = next(pending, None)

    def log_skipped(before: int) -> None:
        """Hand ``log`` the up-to-date files listed before place ``before``."""
        nonlocal next_skipped
        while next_skipped is not None and next_skipped[0] < before:
            if log is not None:
                log(next_skipped[1])
            next_skipped = next(pending, None)

    last_save = time.monotonic()
    try:
        with progress(len(jobs), "repair fix", show_progress) as advance:
            for place, r in zip(order, run(jobs, settings, workers)):
                summary.add(r)
                log_skipped(place)
                if r.ok:
                    if log is not None:
                        log(r)
                    if manifest is not None:
                        manifest.record(r.rel, r, key)
                else:
                    if manifest is not None:
                        manifest.forget(r.rel)
                    if on_failure is not None:
                        on_failure(r.path, r.reason)
                advance(r.words)
                if manifest is not None and time.monotonic() - last_save > _SAVE_EVERY_S:
                    manifest.save()
                    last_save = time.monotonic()
        log_skipped(len(listing.files))
    finally:
        if manifest is not None:
            manifest.save()
        summary.seconds = time.monotonic() - t0
    return summary

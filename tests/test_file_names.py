"""File names that are not valid UTF-8 (Python gives them as str with lone surrogates,
"caf\\udce9.txt"): no command crashes on one, and logs, manifests and decisions name the
file so that reading them back finds it."""
import json
import os

import pytest

from conftest import run_module
from repair import textio
from repair.changes import log_entries
from repair.report import extract_data

NAME = os.fsdecode(b"caf\xe9.txt")  # "caf\udce9.txt"
SHOWN = b"caf\\udce9.txt"  # how a line of text shows it
TEXT = "The spy company said\nthe big company\n"
FIXED = "The spy agency said\nthe big agency\n"

pytestmark = pytest.mark.skipif(os.fsencode(NAME) != b"caf\xe9.txt", reason="file names are not bytes here")


@pytest.fixture
def bad(tmp_path):
    p = tmp_path / NAME
    p.write_bytes(TEXT.encode())
    return p


def test_encode_generated_escapes_lone_surrogates_only():
    assert textio.encode_generated(f"{NAME} caf\u00e9 \U0001F600") == SHOWN + " caf\u00e9 \U0001F600".encode()
    # inside a JSON string the escape reads back as the same name
    assert json.loads(textio.encode_generated(json.dumps({"path": NAME}, ensure_ascii=False)))["path"] == NAME


def test_documents_are_never_written_with_an_escape(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        textio.write_atomic(tmp_path / "doc.txt", "a\udce9")
    assert not (tmp_path / "doc.txt").exists()
    textio.write_atomic(tmp_path / "log.json", '"a\udce9"', generated=True)
    assert json.loads((tmp_path / "log.json").read_bytes()) == "a\udce9"


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "jsonl", "sarif", "github", "languagetool"])
def test_check_every_format(bad, fmt):
    r = run_module("check", str(bad), "-f", fmt, fake=True)
    assert r.returncode == 1, r.stderr
    assert r.stderr == b""
    if fmt in ("concise", "full", "github"):
        assert SHOWN in r.stdout
    elif fmt == "sarif":
        uri = json.loads(r.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
            "artifactLocation"]["uri"]
        assert uri.endswith("/caf%E9.txt")  # the name's bytes, percent-encoded
    else:
        first = json.loads(r.stdout.splitlines()[0]) if fmt == "jsonl" else json.loads(r.stdout)
        assert first["path"] == str(bad)


def test_sarif_uri_of_a_relative_name(bad):
    r = run_module("check", NAME, "-f", "sarif", fake=True, cwd=bad.parent)
    assert r.returncode == 1, r.stderr
    location = json.loads(r.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "caf%E9.txt"


def test_check_score(bad):
    r = run_module("check", str(bad), "--score", fake=True)
    assert r.returncode == 1, r.stderr
    assert r.stdout.endswith(SHOWN + b"\t0.0400\n")


def test_an_error_naming_it_is_one_line(tmp_path):
    r = run_module("check", str(tmp_path / NAME), fake=True)
    assert r.returncode == 2
    assert r.stderr == b"repair: error: " + os.fsencode(str(tmp_path)) + b"/" + SHOWN + b": no such file\n"


def test_fix_output_and_log_both_written(bad, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / os.fsdecode(b"log\xe9.json")
    r = run_module("fix", str(bad), "-o", str(out), "--log", str(log), fake=True)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == FIXED.encode()
    data = json.loads(log.read_bytes())
    assert data["path"] == str(bad)
    ((path, _), _) = log_entries(log.read_bytes().decode())
    assert os.path.exists(path)  # the log leads back to the file
    # and diff and review read that log for the file
    r = run_module("diff", str(bad), "--log", str(log), "--unified", fake=True)
    assert r.returncode == 0, r.stderr
    assert b"-the big company\n+The spy agency said\n+the big agency\n" in r.stdout
    assert b'caf\\351.txt"\n' in r.stdout  # the header quotes the byte as git does
    accepted = tmp_path / "accepted.jsonl"
    r = run_module("review", str(bad), "--log", str(log), "-o", str(tmp_path / "rev.txt"),
                   "--log-out", str(accepted), input=b"y\ny\n", fake=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rev.txt").read_bytes() == FIXED.encode()
    assert r.stdout.rstrip().endswith(b"wrote " + os.fsencode(str(tmp_path)) + b"/rev.txt and "
                                      + os.fsencode(str(accepted)))
    assert {p for p, _ in log_entries(accepted.read_text())} == {str(bad)}


def test_fix_jsonl_log(bad, tmp_path):
    log = tmp_path / "log.jsonl"
    r = run_module("fix", str(bad), "-o", str(tmp_path / "o.txt"), "--log", str(log), fake=True)
    assert r.returncode == 0, r.stderr
    assert {p for p, _ in log_entries(log.read_text())} == {str(bad)}


def test_folder_run_keeps_its_manifest_and_a_rerun_skips(tmp_path):
    src, out = tmp_path / "d", tmp_path / "od"
    src.mkdir()
    (src / NAME).write_bytes(TEXT.encode())
    (src / "plain.txt").write_bytes(TEXT.encode())
    log = tmp_path / "run.jsonl"
    r = run_module("fix", str(src), "--out", str(out), "--log", str(log), fake=True)
    assert r.returncode == 0, r.stderr
    assert (out / NAME).read_bytes() == FIXED.encode()
    manifest = json.loads((out / ".repair-manifest.json").read_bytes())
    assert set(manifest["files"]) == {NAME, "plain.txt"}
    assert {p for p, _ in log_entries(log.read_text())} == {str(src / NAME), str(src / "plain.txt")}
    r = run_module("fix", str(src), "--out", str(out), "--log", str(log), fake=True)
    assert r.returncode == 0, r.stderr
    assert b"2 up to date (skipped)" in r.stderr
    assert {p for p, _ in log_entries(log.read_text())} == {str(src / NAME), str(src / "plain.txt")}


def test_report_and_apply(bad, tmp_path):
    html = tmp_path / "r.html"
    r = run_module("report", str(bad), "--html", str(html), fake=True)
    assert r.returncode == 0, r.stderr
    data = extract_data(html.read_bytes().decode("utf-8"))
    assert data["files"][0]["path"] == str(bad)
    d = tmp_path / "d.json"
    d.write_bytes(textio.encode_generated(json.dumps({"version": 1, "files": data["files"]}, ensure_ascii=False)))
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"), fake=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / NAME).read_bytes() == FIXED.encode()


def test_lexicon_validate_learn_and_eval_name_such_a_file(tmp_path):
    lexicon = tmp_path / os.fsdecode(b"lex\xe9.tsv")
    lexicon.write_bytes(b"spun\toriginal\tcount\tweight\tguard\tsource\nzz\tzz\t1\t1\t\thand\n")
    p = run_module("lexicon", "validate", str(lexicon), fake=True)
    assert p.returncode == 1, p.stderr
    assert p.stdout.endswith(b"lex\\udce9.tsv:2: self-pair: 'zz' -> itself\n")
    pairs = tmp_path / os.fsdecode(b"p\xe9.jsonl")
    pairs.write_bytes(json.dumps({"original": "The spy agency said.", "spun": "The spy company said."}).encode() + b"\n")
    p = run_module("learn", str(pairs), "-o", str(tmp_path / "out.tsv"), "--dry-run", fake=True)
    assert p.returncode == 0, p.stderr
    p = run_module("eval", str(pairs), "--format", "json", fake=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["source"].endswith(os.fsdecode(b"p\xe9.jsonl"))

"""Configuration files (repair/config.py) and ignores (repair/ignores.py), alone and through the CLI."""
import json
import os

import pytest

from repair import config as cf
from repair.changes import Change, apply_changes, changes_from_json
from repair.ignores import filter_changes, ignored_lines, read_word_list
from test_cli import assert_one_error_line, invoke

SCRAPED = "NEWS\nNEWS\n\nPrices rose to Â£600m on Tuesday &amp; Wednesday.\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- discovery -----------------------------------------------------------------------------

def test_discovery_walks_up_and_prefers_the_nearest(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert cf.find_config(deep) is None or not str(cf.find_config(deep)).startswith(str(tmp_path))
    write(tmp_path / "repair.toml", "min-confidence = 0.5\n")
    assert cf.find_config(deep / "x.txt") == str(tmp_path / "repair.toml")
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.repair]: passed over
    assert cf.find_config(deep) == str(tmp_path / "repair.toml")
    write(tmp_path / "a" / "b" / "pyproject.toml", "[tool.repair]\nmin-confidence = 0.7\n")
    assert cf.find_config(deep) == str(tmp_path / "a" / "b" / "pyproject.toml")
    assert cf.discover(deep).min_confidence == 0.7
    write(tmp_path / "a" / "b" / "repair.toml", "min-confidence = 0.8\n")  # repair.toml before pyproject
    assert cf.discover(deep).min_confidence == 0.8
    write(tmp_path / "a" / "b" / ".repair.toml", "min-confidence = 0.9\n")
    assert cf.discover(deep).min_confidence == 0.9


def test_discovery_parses_each_file_once(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    write(tmp_path / "a" / "pyproject.toml", "[tool.repair]\nmin-confidence = 0.7\n")
    write(deep / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.repair]: parsed, passed over
    parsed = []
    real_read = cf._read_toml

    def read(path):
        parsed.append(os.path.relpath(path, tmp_path))
        return real_read(path)

    monkeypatch.setattr(cf, "_read_toml", read)
    assert cf.discover(deep / "x.txt").min_confidence == 0.7
    assert parsed == [os.path.join("a", "b", "pyproject.toml"), os.path.join("a", "pyproject.toml")]
    write(tmp_path / "a" / "pyproject.toml", "[tool.repair]\nmin-confidence = 7\n")
    with pytest.raises(cf.ConfigError, match="min-confidence: must be a number between 0 and 1"):
        cf.discover(deep)  # the table's errors are still found
    write(tmp_path / "a" / "pyproject.toml", "[tool.repair\n")
    with pytest.raises(cf.ConfigError, match="invalid TOML"):
        cf.discover(deep)  # an unparsable pyproject.toml is reported, not passed over


@pytest.mark.parametrize("name", ["repair.toml", ".repair.toml", "pyproject.toml"])
def test_invalid_utf8_config_names_file_and_byte_offset(tmp_path, name):
    head = b"[tool.repair]\n" if name == "pyproject.toml" else b""
    p = tmp_path / name
    p.write_bytes(head + b"# caf\xe9\nmin-confidence = 0.7\n")
    offset = len(head) + 5
    for find in (cf.load, cf.discover):  # named with --config, or found by walking up
        with pytest.raises(cf.ConfigError) as exc:
            find(p if find is cf.load else tmp_path)
        assert str(exc.value) == f"{p}: invalid UTF-8 at byte offset {offset}"
    r = invoke("fix", str(write(tmp_path / "a.txt", "the company\n")))  # through the CLI: exit 2, one line
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{p}: invalid UTF-8 at byte offset {offset}")


def test_config_with_a_byte_order_mark_says_so(tmp_path):
    p = tmp_path / "repair.toml"
    p.write_bytes(b"\xef\xbb\xbfmin-confidence = 0.7\n")
    with pytest.raises(cf.ConfigError) as exc:
        cf.load(p)
    assert str(exc.value) == (f"{p}: starts with a UTF-8 byte-order mark, which TOML does not allow; "
                              "save it as UTF-8 without BOM")


def test_explicit_pyproject_without_tool_repair_is_an_error(fake_engine_installed, tmp_path):
    p = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(cf.ConfigError) as exc:
        cf.load(p)
    assert str(exc.value) == f"{p}: has no [tool.repair] table"
    a = write(tmp_path / "a.txt", "the company\n")
    r = invoke("fix", str(a), "--config", str(p))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{p}: has no [tool.repair] table")
    assert cf.discover(tmp_path).path is None or not cf.discover(tmp_path).path.startswith(str(tmp_path))
    assert invoke("fix", str(a)).exit_code == 0  # found by walking up: passed over, as before
    write(p, "[project]\nname = 'x'\n[tool.repair]\n")  # an empty table is a configuration
    assert cf.load(p).path == str(p)


def test_load_resolves_paths_against_the_config_folder(tmp_path):
    p = write(tmp_path / "cfg" / "repair.toml",
              'lexicons = ["farm.tsv", "../other.tsv"]\nignore-words = "words.txt"\n'
              'select = "artifact,spin"\nexclude = ["drafts"]\n')
    c = cf.load(p)
    assert c.lexicons == (str(tmp_path / "cfg" / "farm.tsv"), str(tmp_path / "cfg" / ".." / "other.tsv"))
    assert c.ignore_words == str(tmp_path / "cfg" / "words.txt")
    assert c.select == ("artifact", "spin") and c.exclude == ("drafts",) and c.ignore is None


@pytest.mark.parametrize("text, fragment", [
    ("min-confidnce = 0.5\n", "unknown option 'min-confidnce'"),
    ("min-confidence = 2\n", "min-confidence: must be a number between 0 and 1"),
    ("min-confidence = true\n", "min-confidence"),
    ("select = [1]\n", "select: must be a list of strings"),
    ("ignore-words = 3\n", "ignore-words: must be a file path"),
    ("min-confidence = \n", "invalid TOML"),
])
def test_bad_configs(tmp_path, text, fragment):
    p = write(tmp_path / "repair.toml", text)
    with pytest.raises(cf.ConfigError, match=fragment) as exc:
        cf.load(p)
    assert str(p) in str(exc.value)


def test_unknown_key_in_pyproject_names_table_and_file(tmp_path):
    p = write(tmp_path / "pyproject.toml", "[tool.repair]\nselct = ['spin']\n")
    with pytest.raises(cf.ConfigError) as exc:
        cf.load(p)
    assert str(exc.value).startswith(f"{p}: [tool.repair]: unknown option 'selct'")


def test_config_start():
    assert cf.config_start(["-"]) == os.getcwd()
    assert cf.config_start(["/a/b/x.txt", "/a/c/y.txt"]) == "/a"


# --- through the command line --------------------------------------------------------------

def test_cli_unknown_key_is_one_error_line(fake_engine_installed, tmp_path):
    write(tmp_path / "repair.toml", "colour = 'red'\n")
    doc = write(tmp_path / "doc.txt", "the company\n")
    for command in ("fix", "check"):
        r = invoke(command, str(doc))
        assert r.exit_code == 2
        assert_one_error_line(r.stderr, "unknown option 'colour'", str(tmp_path / "repair.toml"))
    assert invoke("fix", str(doc), "--isolated").exit_code == 0
    assert invoke("fix", str(doc), "--no-config").exit_code == 0


def test_cli_precedence(fake_engine_installed, tmp_path):
    write(tmp_path / "repair.toml", "min-confidence = 0.2\n")
    doc = write(tmp_path / "sub" / "doc.txt", "a big company\n")
    assert invoke("fix", str(doc)).stdout == "a large agency\n"  # 0.3 >= 0.2 from the config
    assert invoke("fix", str(doc), "-c", "0.5").stdout == "a big agency\n"  # the command line wins
    assert invoke("fix", str(doc), "--isolated").stdout == "a big agency\n"  # the default threshold
    other = write(tmp_path / "elsewhere.toml", "min-confidence = 0.95\n")
    assert invoke("fix", str(doc), "--config", str(other)).stdout == "a big company\n"
    r = invoke("fix", str(doc), "--config", str(other), "--isolated")
    assert r.exit_code == 2 and "--config and --isolated" in r.stderr
    r = invoke("fix", str(doc), "--config", str(tmp_path / "nope.toml"))
    assert r.exit_code == 2 and "nope.toml: no such file" in r.stderr


def test_cli_stdin_finds_the_config_from_the_current_directory(fake_engine_installed, tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.repair]\nmin-confidence = 0.2\n")
    monkeypatch.chdir(tmp_path)
    assert invoke("fix", "-", input=b"a big company").stdout == "a large agency"


def test_cli_rules_from_config(tmp_path):
    write(tmp_path / "repair.toml", 'select = ["artifact"]\nignore = ["artifact.mojibake"]\n')
    doc = write(tmp_path / "page.txt", SCRAPED)
    r = invoke("check", str(doc))
    assert sorted(line.rsplit(" ", 1)[1] for line in r.stdout.splitlines()) == \
        ["artifact.duplicate-line", "artifact.entity"]
    r = invoke("check", str(doc), "--ignore", "artifact.entity")  # replaces the config's ignore
    assert sorted(line.rsplit(" ", 1)[1] for line in r.stdout.splitlines()) == \
        ["artifact.duplicate-line", "artifact.mojibake"]
    write(tmp_path / "repair.toml", 'select = ["artifact.nope"]\n')
    r = invoke("check", str(doc))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "repair.toml: unknown rule 'artifact.nope'")


@pytest.mark.parametrize("value", ["", ",", " , "])
@pytest.mark.parametrize("command", ["fix", "check"])
def test_cli_empty_select_is_an_error(fake_engine_installed, tmp_path, command, value):
    a = write(tmp_path / "a.txt", "the company\n")
    r = invoke(command, str(a), "--select", value)
    assert r.exit_code == 2 and r.stdout == ""
    assert_one_error_line(r.stderr, "--select: the selection is empty")
    assert a.read_text() == "the company\n"


@pytest.mark.parametrize("args", [("--select", "spin", "--ignore", "spin"), ("--ignore", "all"),
                                  ("--select", "spin.lexicon", "--ignore", "spin")])
def test_cli_select_and_ignore_leaving_no_rule_is_an_error(fake_engine_installed, tmp_path, args):
    a = write(tmp_path / "a.txt", "the company\n")
    r = invoke("check", str(a), *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert_one_error_line(r.stderr, "select and ignore leave no rule to run")
    write(tmp_path / "repair.toml", 'ignore = ["all"]\n')  # from the configuration: named
    r = invoke("check", str(a))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "repair.toml: select and ignore leave no rule to run")


@pytest.mark.parametrize("value", ["[]", '[""]', '","'])
def test_config_empty_select_is_an_error(tmp_path, value):
    p = write(tmp_path / "repair.toml", f"select = {value}\n")
    with pytest.raises(cf.ConfigError) as exc:
        cf.load(p)
    assert str(exc.value).startswith(f"{p}: select: the selection is empty")


def test_cli_empty_ignore_changes_nothing(tmp_path):
    scraped = write(tmp_path / "page.txt", SCRAPED)
    args = ["check", str(scraped), "--format", "jsonl", "--select", "artifact"]
    rules = lambda r: sorted({json.loads(line)["rule"] for line in r.stdout.splitlines()})  # noqa: E731
    plain = invoke(*args)
    assert plain.exit_code == 1 and "artifact.entity" in rules(plain)
    for empty in ("", ","):  # as if --ignore were not given
        r = invoke(*args, "--ignore", empty)
        assert (r.exit_code, rules(r)) == (1, rules(plain))
    # and so the configuration's ignore still applies, as with include and exclude
    write(tmp_path / "repair.toml", 'ignore = ["artifact.entity"]\n')
    r = invoke(*args, "--ignore", "")
    assert r.exit_code == 1 and "artifact.entity" not in rules(r) and rules(r)


def test_cli_lexicons_and_ignore_words_from_config(monkeypatch, tmp_path):
    import repair.pipeline

    seen = []
    monkeypatch.setattr(repair.pipeline, "_suggest",
                        lambda text, opts: (seen.append((opts.lexicons, opts.ignore_words)) or ([], 0.0)))
    write(tmp_path / "conf" / "farm.tsv",
          "spun\toriginal\tcount\tweight\tguard\tsource\nfunny cartoon\tcomic strip\t3\t0.75\t\ttest\n")
    write(tmp_path / "conf" / "words.txt", "# names\nKyiv\n\nSpy  Company  # a phrase\n")
    cfg = write(tmp_path / "conf" / "repair.toml", 'lexicons = ["farm.tsv"]\nignore-words = "words.txt"\n')
    doc = write(tmp_path / "doc.txt", "text\n")
    assert invoke("check", str(doc), "--config", str(cfg)).exit_code == 0
    assert seen[-1] == ((str(tmp_path / "conf" / "farm.tsv"),), frozenset({"kyiv", "spy company"}))
    write(tmp_path / "conf" / "repair.toml", 'lexicons = ["missing.tsv"]\n')
    r = invoke("check", str(doc), "--config", str(cfg))
    assert r.exit_code == 2 and "missing.tsv" in r.stderr
    write(tmp_path / "conf" / "repair.toml", 'ignore-words = "missing.txt"\n')
    r = invoke("check", str(doc), "--config", str(cfg))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "ignore-words:", "missing.txt: no such file")


def test_cli_exclude_from_config_applies_to_folders(fake_engine_installed, tmp_path):
    root = tmp_path / "corpus"
    write(root / "keep.txt", "company\n")
    write(root / "drafts" / "x.txt", "company\n")
    write(tmp_path / "repair.toml", 'exclude = ["drafts"]\n')
    r = invoke("check", str(root))
    assert r.exit_code == 1 and "drafts" not in r.stdout and "keep.txt" in r.stdout
    r = invoke("check", str(root), "--exclude", "keep.txt")  # replaces the config's exclude
    assert "drafts" in r.stdout and "keep.txt" not in r.stdout
    write(tmp_path / "repair.toml", 'include = ["*.md"]\n')
    assert invoke("check", str(root)).exit_code == 0


# --- ignore comments and ignore words ----------------------------------------------------------

def _company_changes(text):
    import fake_engine

    return fake_engine.suggest(text, None)[0]


def test_ignore_comments():
    text = ("the company\n"
            "the company  <!-- repair: ignore -->\n"
            "# REPAIR: Ignore-Next-Line\n"
            "the company\n"
            "the company # repair: ignored is not a marker\n"
            "the company  repair:ignore\r\n"
            "last company")
    kept = filter_changes(text, _company_changes(text))
    assert [text.count("\n", 0, c.start) + 1 for c in kept] == [1, 5, 7]


def test_ignore_next_line_on_the_last_line_and_line_spans():
    assert ignored_lines("a company # repair: ignore-next-line") == []
    text = "x\nrepair: ignore\ny"
    assert ignored_lines(text) == [(2, 17)]
    # a change deleting a whole line touches that line only, not the next one
    line_change = Change(0, 2, "x\n", "", "r", 1.0)
    assert filter_changes(text, [line_change]) == [line_change]
    spanning = Change(0, 4, "x\nre", "", "r", 1.0)
    assert filter_changes(text, [spanning]) == []
    insertion = Change(17, 17, "", "!", "r", 1.0)
    assert filter_changes(text, [insertion]) == [insertion]


def test_ignore_words_whole_words_any_case():
    text = "The Company and the companyX and the spy company\n"
    changes = [Change(4, 11, "Company", "Agency", "r", 1.0), Change(20, 28, "companyX", "x", "r", 1.0),
               Change(37, 48, "spy company", "spy agency", "r", 1.0)]
    assert filter_changes(text, changes, {"company"}) == [changes[1]]
    assert filter_changes(text, changes, {"spy company"}) == changes[:2]
    assert filter_changes(text, changes, {"spy  Company"}) == changes[:2]
    assert filter_changes(text, changes, set()) == changes


def test_read_word_list(tmp_path):
    p = write(tmp_path / "w.txt", "# comment\nKyiv\n  spy   company  # trailing\n\n\u00c9cole\n")
    assert read_word_list(p) == frozenset({"kyiv", "spy company", "\u00e9cole"})


def test_ignores_everywhere_and_logs_hold_only_kept_changes(fake_engine_installed, tmp_path):
    text = "the company\nthe company # repair: ignore\na big deal\n"
    doc = write(tmp_path / "doc.txt", text)
    words = write(tmp_path / "words.txt", "BIG\n")
    write(tmp_path / "repair.toml", "min-confidence = 0.2\n")  # "big" -> "large" (0.3) would be applied
    assert invoke("fix", str(doc)).stdout == "the agency\nthe company # repair: ignore\na large deal\n"
    expected = "the agency\nthe company # repair: ignore\na big deal\n"
    log = tmp_path / "log.json"
    r = invoke("fix", str(doc), "--ignore-words", str(words), "--log", str(log), "-o", str(tmp_path / "o.txt"))
    assert r.exit_code == 0 and (tmp_path / "o.txt").read_text() == expected
    changes = changes_from_json(log.read_text())
    assert len(changes) == 1 and apply_changes(text, changes) == expected
    assert invoke("fix", "-", "--ignore-words", str(words), input=text.encode()).stdout == expected
    r = invoke("check", str(doc), "--ignore-words", str(words), "-f", "jsonl")
    assert len(r.stdout.splitlines()) == 1
    root = tmp_path / "tree"
    write(root / "doc.txt", text)
    batch_log = tmp_path / "batch.jsonl"
    r = invoke("fix", str(root), "--out", str(tmp_path / "out"), "--ignore-words", str(words), "--log",
               str(batch_log))
    assert r.exit_code == 0 and (tmp_path / "out" / "doc.txt").read_text() == expected
    assert [json.loads(line)["start"] for line in batch_log.read_text().splitlines()] == [4]
    r = invoke("fix", str(doc), "--ignore-words", str(tmp_path / "nope.txt"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "nope.txt: no such file")


def test_a_configured_threshold_holds_in_every_text(tmp_path):
    from repair.pipeline import SPUN_THRESHOLD

    assert cf.resolve(cf.Config()).options.spun_min_confidence == SPUN_THRESHOLD
    assert cf.resolve(cf.Config(), min_confidence=0.7).options.spun_min_confidence is None
    write(tmp_path / "repair.toml", "min-confidence = 0.7\n")
    opts = cf.resolve(cf.load(str(tmp_path / "repair.toml"))).options
    assert (opts.min_confidence, opts.spun_min_confidence, opts.threshold(1.0)) == (0.7, None, 0.7)

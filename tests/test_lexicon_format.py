"""The spin-lexicon file format (repair/lexicon.py) and ``repair lexicon validate``."""
from __future__ import annotations

import random

import pytest
from test_cli import assert_one_error_line, invoke

from repair.lexicon import (
    HEADER,
    Entry,
    Lexicon,
    LexiconError,
    format_lexicon,
    guard_present,
    mend,
    merge,
    normalise,
    read_header_comments,
    read_lexicon,
    resolve_chains,
    validate,
    write_lexicon,
)

ENTRIES = [
    Entry("spy company", "spy agency", 3, 0.75, "", "test"),
    Entry("informed", "told", 2, 0.5, "", "test"),
    Entry("troopers", "troops", 1, 1.0, "", "test"),
    Entry("malignant growth", "cancer", 40, 1.0, "tumour", "pps"),
    Entry("informed", "briefed", 1, 0.25, "", "test"),
]


def write_raw(path, *lines, comments=()):
    path.write_text("".join(f"{c}\n" for c in comments) + HEADER + "\n" +
                    "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def row(spun, original, count="1", weight="1", guard="", source="t"):
    return f"{spun}\t{original}\t{count}\t{weight}\t{guard}\t{source}"


def kinds(problems):
    return [(p.line, p.kind) for p in problems]


# --- round trip, order, determinism -----------------------------------------------------

def test_round_trip_sorts_and_keeps_every_field(tmp_path):
    path = tmp_path / "lex.tsv"
    write_lexicon(path, ENTRIES, header_comments=["made by a test", "", "second line"])
    back = read_lexicon(path)
    assert back == sorted(ENTRIES, key=lambda e: (e.spun, e.original))
    assert read_header_comments(path) == ["made by a test", "", "second line"]
    assert validate(path) == []


def test_output_is_deterministic_whatever_the_input_order(tmp_path):
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    shuffled = ENTRIES[:]
    random.Random(7).shuffle(shuffled)
    write_lexicon(a, ENTRIES)
    write_lexicon(b, shuffled)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.startswith(HEADER + "\n") and text.endswith("\n") and "\r" not in text
    assert text.splitlines()[1] == "informed\tbriefed\t1\t0.25\t\ttest"


def test_weights_are_written_with_six_significant_digits(tmp_path):
    path = tmp_path / "lex.tsv"
    write_lexicon(path, [Entry("a b", "c", 1, 1 / 3, "", "t")])
    assert path.read_text(encoding="utf-8").splitlines()[1].split("\t")[3] == "0.333333"
    assert read_lexicon(path)[0].weight == pytest.approx(1 / 3, rel=1e-5)


@pytest.mark.parametrize("bad", [
    [Entry("same", "same", 1, 1.0, "", "t")],
    [Entry("a", "b", 1, 1.0, "", "t"), Entry("a", "b", 2, 0.5, "", "u")],
    [Entry("Spy Company", "spy agency", 1, 1.0, "", "t")],
    [Entry("a", "b", 0, 1.0, "", "t")],
    [Entry("a", "b", 1, 1.5, "", "t")],
    [Entry("a", "b", 1, 1.0, "", "")],
    [Entry("a", "b", 1, 1.0, "", "x\ty")],
])
def test_write_refuses_bad_entries_and_leaves_the_file_alone(tmp_path, bad):
    path = tmp_path / "lex.tsv"
    write_lexicon(path, ENTRIES)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_lexicon(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lex.tsv"]  # no temporary file left


def test_normalise():
    assert normalise("  Korea\u2019s   SPY\tcompany\n") == "korea's spy company"


# --- reading errors ----------------------------------------------------------------------

@pytest.mark.parametrize("lines, line, fragment", [
    ([row("a", "b", count="0")], 2, "count"),
    ([row("a", "b", count="x")], 2, "count"),
    ([row("a", "b", weight="0")], 2, "weight"),
    ([row("a", "b", weight="1.5")], 2, "weight"),
    ([row("a", "b", weight="nan")], 2, "weight"),
    ([row("a", "b"), "a\tb\t1\t1\tt"], 3, "columns"),
    ([row("a", "b"), row("A", "b")], 3, "not normalised"),
    ([row("a", "b"), row("c", "d", guard="Two  Words")], 3, "guard"),
    ([row("a", "b"), "", row("c", "d")], 3, "empty line"),
    ([row("a", "b"), "# late comment"], 3, "comments"),
    ([row("a", "b", source="")], 2, "source"),
])
def test_read_errors_name_file_and_line(tmp_path, lines, line, fragment):
    path = write_raw(tmp_path / "bad.tsv", *lines)
    with pytest.raises(LexiconError) as info:
        read_lexicon(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert fragment in str(info.value)


def test_bad_header_after_comments_is_reported_on_its_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# one\n# two\nspun\toriginal\tcount\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r":3: header must be"):
        read_lexicon(path)
    assert kinds(validate(path)) == [(3, "format")]


def test_unreadable_files(tmp_path):
    with pytest.raises(LexiconError, match="no such file"):
        read_lexicon(tmp_path / "missing.tsv")
    with pytest.raises(LexiconError, match="is a directory"):
        validate(tmp_path)
    path = tmp_path / "latin1.tsv"
    path.write_bytes((HEADER + "\n" + row("a", "b") + "\n" + row("caf\u00e9", "d")).encode("latin-1"))
    with pytest.raises(LexiconError, match=r"latin1\.tsv:3: invalid UTF-8 at byte offset"):
        validate(path)
    data = (HEADER + "\n" + row("a", "b") + "\n").encode()
    with pytest.raises(LexiconError) as info:
        read_lexicon(path)
    assert str(info.value) == f"{path}:3: invalid UTF-8 at byte offset {len(data) + 3}"
    nul = tmp_path / "nul.tsv"
    nul.write_bytes(data + b"x\x00")
    with pytest.raises(LexiconError) as info:
        read_header_comments(nul)
    assert str(info.value) == f"{nul}:3: binary file (NUL byte at offset {len(data) + 1})"
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"")
    assert kinds(validate(empty)) == [(1, "format")]  # a line an editor can go to, not line 0


def test_unreadable_lexicon_wording_comes_from_textio(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "secret.tsv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    real_open = builtins.open

    def fake_open(file, *a, **kw):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(LexiconError) as info:
        read_lexicon(path)
    assert str(info.value) == f"{path}: permission denied"  # was "cannot read: Permission denied"
    with pytest.raises(LexiconError) as info:
        read_lexicon(tmp_path / "missing.tsv")
    assert str(info.value) == f"{tmp_path / 'missing.tsv'}: no such file"


def test_crlf_and_bom_are_tolerated(tmp_path):
    path = tmp_path / "win.tsv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + row("a", "b") + "\r\n").encode("utf-8"))
    assert read_lexicon(path) == [Entry("a", "b", 1, 1.0, "", "t")]


# --- validate: one small bad file per kind -------------------------------------------------

def test_validate_clean_file(tmp_path):
    path = write_raw(tmp_path / "ok.tsv", row("a", "b"), row("a", "c"), row("d", "e"),
                     comments=["# fine"])
    assert validate(path) == []


def test_validate_unsorted(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("b", "c"), row("a", "d"), row("e", "f"))
    assert kinds(validate(path)) == [(3, "unsorted")]


def test_validate_duplicate(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("a", "b", count="2"), row("c", "d"))
    problems = validate(path)
    assert kinds(problems) == [(3, "duplicate")]
    assert "line 2" in problems[0].message


def test_validate_self_pair(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("c", "c"))
    assert kinds(validate(path)) == [(3, "self-pair")]


def test_validate_original_without_letters(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("twelve", "12"), row("x", "-"))
    assert kinds(validate(path)) == [(3, "not-a-word"), (4, "not-a-word")]


def test_validate_chain(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("b", "c"), row("d", "e"))
    problems = validate(path)
    assert kinds(problems) == [(2, "chain")]
    assert "'b'" in problems[0].message


def test_validate_two_cycle_is_one_cycle_problem_not_two_chains(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("b", "a"), row("c", "d"))
    problems = validate(path)
    assert kinds(problems) == [(2, "cycle")]
    assert problems[0].message == "'a' -> 'b' -> 'a'"


def test_validate_longer_cycle_and_a_chain_into_it(tmp_path):
    # a -> b -> c -> a is a cycle; x -> a leads into it (a chain)
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), row("b", "c"), row("c", "a"),
                     row("x", "a"))
    problems = validate(path)
    assert kinds(problems) == [(2, "cycle"), (5, "chain")]
    assert problems[0].message == "'a' -> 'b' -> 'c' -> 'a'"


def test_validate_reports_format_errors_and_keeps_going(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("a", "b"), "broken line", row("c", "d", weight="2"),
                     row("e", "f"))
    assert kinds(validate(path)) == [(3, "format"), (4, "format")]


def test_problem_format():
    from repair.lexicon import Problem

    assert Problem(4, "chain", "msg").format("f.tsv") == "f.tsv:4: chain: msg"


# --- merge -------------------------------------------------------------------------------

def test_merge_adds_counts_and_pools_weights_exactly():
    old = [Entry("informed", "told", 2, 0.5, "", "old")]  # seen 4 times
    new = [Entry("informed", "told", 3, 0.3, "", "new")]  # seen 10 times
    [e] = merge(old, new)
    assert (e.count, e.source) == (5, "old+new")
    assert e.weight == pytest.approx(5 / 14)


def test_merge_keeps_old_only_entries_and_adds_new_ones():
    old = [Entry("troopers", "troops", 1, 1.0, "", "old")]
    new = [Entry("warfare", "war", 2, 1.0, "", "new")]
    assert merge(old, new) == [old[0], new[0]]
    assert merge([], new) == new and merge(old, []) == old


def test_merge_lowers_an_old_weight_when_new_data_saw_the_key_restored_otherwise():
    old = [Entry("informed", "told", 2, 1.0, "", "old")]  # seen twice, always "told"
    new = [Entry("informed", "briefed", 1, 0.5, "", "new")]  # seen twice: once "briefed"
    merged = {e.original: e for e in merge(old, new)}
    assert merged["told"].count == 2 and merged["told"].weight == pytest.approx(2 / 4)
    assert merged["briefed"] == new[0]


def test_merge_keeps_the_curated_guard_and_is_sorted():
    old = [Entry("malignant growth", "cancer", 5, 1.0, "tumour", "pps")]
    new = [Entry("malignant growth", "cancer", 1, 1.0, "", "learned"),
           Entry("a", "b", 1, 1.0, "", "learned")]
    merged = merge(old, new)
    assert [e.pair for e in merged] == [("a", "b"), ("malignant growth", "cancer")]
    assert merged[1].guard == "tumour" and merged[1].count == 6


# --- chains ------------------------------------------------------------------------------

def test_resolve_chains_drops_the_weaker_edge():
    strong = Entry("assault", "attack", 14, 0.9, "", "t")
    weak = Entry("attack", "assault", 2, 1.0, "", "t")
    other = Entry("x", "y", 1, 1.0, "", "t")
    kept, removed = resolve_chains([weak, other, strong])
    assert kept == [strong, other] and removed == [weak]


def test_resolve_chains_never_drops_kept_pairs():
    old = Entry("attack", "assault", 1, 0.1, "", "old")
    new = Entry("assault", "attack", 50, 1.0, "", "new")
    kept, removed = resolve_chains([old, new], keep=[old.pair])
    assert kept == [old] and removed == [new]


def test_resolved_lexicon_validates(tmp_path):
    entries = [Entry(a, b, n, 1.0, "", "t") for a, b, n in
               [("a", "b", 3), ("b", "c", 2), ("c", "a", 1), ("d", "b", 1), ("c", "e", 5)]]
    kept, _ = resolve_chains(entries)
    write_lexicon(tmp_path / "x.tsv", kept)
    assert validate(tmp_path / "x.tsv") == []


# --- the in-memory index -------------------------------------------------------------------

def test_lexicon_lookup_normalises_and_orders_senses():
    lex = Lexicon(ENTRIES)
    assert [s.original for s in lex.lookup("Informed")] == ["told", "briefed"]
    assert lex.lookup("spy\u00a0 Company")[0].original == "spy agency"
    assert lex.get("Informed") == () and lex.lookup("unknown") == ()
    assert "troopers" in lex and len(lex) == 4
    assert lex.max_tokens == 2
    assert lex.get("malignant growth")[0].guard == "tumour"


def test_guard_present_matches_whole_words():
    assert guard_present("", "anything")
    assert guard_present("tumour", "a tumour was found")
    assert not guard_present("tumour", "tumours were found")
    assert guard_present("neural network", "the neural network, trained")


def test_lexicon_loads_10k_entries_whole(tmp_path):
    # (how fast it loads is a benchmark figure, benchmarks/bench_speed.py, not a timed test)
    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefghij") for _ in range(8)) for _ in range(20000)]
    entries = {(words[i], words[i + 10000]) for i in range(10000)}
    path = tmp_path / "big.tsv"
    write_lexicon(path, [Entry(s, o, 1, 0.5, "", "t") for s, o in entries])
    lexicon = Lexicon.load(path)
    assert len(lexicon) == len(entries)
    assert {(s, e.original) for s in lexicon.keys() for e in lexicon.get(s)} == entries


def test_format_lexicon_without_entries_is_just_the_header():
    assert format_lexicon([]) == HEADER + "\n"


# --- CLI: repair lexicon validate ------------------------------------------------------------

def test_cli_validate_clean_file_exits_0(tmp_path):
    path = write_raw(tmp_path / "ok.tsv", row("a", "b"))
    r = invoke("lexicon", "validate", str(path))
    assert r.exit_code == 0 and r.stdout == ""


def test_cli_validate_problems_exit_1_one_line_each(tmp_path):
    path = write_raw(tmp_path / "x.tsv", row("b", "a"), row("a", "b"), row("c", "c"))
    r = invoke("lexicon", "validate", str(path))
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [f"{path}:2: cycle: 'a' -> 'b' -> 'a'",
                                     f"{path}:3: unsorted: 'a' -> 'b' comes after 'b' -> 'a'",
                                     f"{path}:4: self-pair: 'c' -> itself"]


def test_cli_validate_unreadable_file_exits_2_and_checks_the_others(tmp_path):
    bad = write_raw(tmp_path / "x.tsv", row("a", "b"), row("b", "c"))
    missing = tmp_path / "missing.tsv"
    r = invoke("lexicon", "validate", str(missing), str(bad))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, str(missing), "no such file")
    assert r.stdout == f"{bad}:2: chain: original 'b' of 'a' is itself a spun key\n"


def test_cli_validate_needs_a_file():
    assert invoke("lexicon", "validate").exit_code == 2


# --- mend (repair learn --repair) ------------------------------------------------------------

def test_mend_makes_a_file_valid_and_notes_everything_it_did(tmp_path):
    path = write_raw(tmp_path / "m.tsv", "a\tb\t1\t1\t\thand",
                 "a\tb\t2\t0.5\t\tmore",  # duplicate: pooled as merge() pools two entries
                 "b\ta\t1\t0.25\t\thand",  # cycle with a -> b: the weaker goes
                 "zz\tzz\t1\t1\t\thand",  # self-pair
                 "c\td\t1\t1\t\thand",
                 "x\t42\t1\t1\t\thand",  # original without letters
                 "bb\tcc\t1\t1\t\thand")  # out of order
    entries, notes = mend(path)
    assert [(e.spun, e.original, e.count, e.weight, e.source) for e in entries] == [
        ("a", "b", 3, 3 / 5, "hand+more"), ("bb", "cc", 1, 1.0, "hand"), ("c", "d", 1, 1.0, "hand")]
    assert [(n.line, n.kind) for n in notes] == [(3, "duplicate"), (4, "chain"), (5, "self-pair"),
                                               (7, "not-a-word"), (8, "unsorted")]
    assert "merged into line 2: count 1 + 2 = 3, weight 0.6" in notes[0].message
    assert "'b' -> 'a' dropped for 'a' -> 'b' (line 2)" in notes[1].message
    out = tmp_path / "mended.tsv"
    write_lexicon(out, entries)
    assert validate(out) == []


def test_mend_leaves_a_valid_file_alone_and_refuses_a_format_error(tmp_path):
    entries = [Entry("lengthy", "long", 2, 0.5, "", "x"), Entry("hound", "dog", 1, 1.0, "", "x")]
    path = tmp_path / "ok.tsv"
    write_lexicon(path, entries)
    assert mend(path) == (sorted(entries, key=lambda e: e.pair), [])
    bad = write_raw(tmp_path / "bad.tsv", "a\tb\tmany\t1\t\tx")
    with pytest.raises(LexiconError, match=r"bad\.tsv:2: "):
        mend(bad)

"""Learning lexicon entries from aligned pairs (repair/learn.py) and ``repair learn``.

All pairs here are invented for the tests.
"""
from __future__ import annotations

import json

import pytest
from test_cli import assert_one_error_line, invoke

from repair.learn import (
    Pair,
    PairsError,
    Substitution,
    align,
    learn,
    learn_with_stats,
    pairs_digest,
    read_jsonl,
    read_pair_dirs,
    read_pairs,
)
from repair.lexicon import (
    Entry,
    read_header_comments,
    read_lexicon,
    validate,
    write_lexicon,
)

ORIGINAL = "The committee approved the new budget after a long debate."
SPUN = "The board endorsed the new spending plan after a lengthy discussion."


def subs(*pairs):
    return [Substitution(s, o) for s, o in pairs]


# --- align ---------------------------------------------------------------------------------

def test_align_extracts_word_swaps_and_a_multiword_replacement():
    assert align(ORIGINAL, SPUN) == subs(("board", "committee"), ("endorsed", "approved"),
                                         ("spending plan", "budget"), ("lengthy", "long"),
                                         ("discussion", "debate"))


def test_align_keeps_unequal_blocks_whole_and_splits_equal_ones_only_when_asked():
    original = "Prices rose sharply according to the report."
    spun = "Costs climbed sharply in line with the report."
    assert align(original, spun) == subs(("costs", "prices"), ("climbed", "rose"),
                                         ("in line with", "according to"))
    assert align(original, spun, split_equal=False) == subs(("costs climbed", "prices rose"),
                                                            ("in line with", "according to"))


def test_align_keys_are_normalised_span_texts():
    original = "Korea\u2019s well-known  Spy Agency spoke."
    spun = "Korea\u2019s famous SPY COMPANY spoke."
    assert align(original, spun) == subs(("famous", "well-known"), ("company", "agency"))


def test_align_skips_what_is_not_spinning():
    assert align("The Cat sat.", "the cat sat!") == []  # case; punctuation only
    assert align("In 1990 he won.", "In 1991 he won.") == []  # numbers only
    assert align("It was a old car.", "It was an old car.") == []  # a/an agreement
    # the block "departed ." -> "left ;" crosses clause punctuation; the later swap is fine
    assert align("He left; she stayed on.", "He departed. She remained on.") == subs(
        ("remained", "stayed"))
    assert align("A big dog barked.", "A big dog barked loudly.") == []  # pure insertion
    assert align("A big dog barked loudly.", "A big dog barked.") == []  # pure deletion


def test_align_skips_long_unequal_blocks():
    original = "He was able to see it."
    spun = "He had the capacity and the capability to see it."  # 7 tokens -> 2
    assert align(original, spun) == []


# --- learn -----------------------------------------------------------------------------------

def _pairs(*texts):
    return [Pair(o, s, f"test:{i}") for i, (o, s) in enumerate(texts, start=1)]


def test_learn_counts_and_weighs():
    pairs = _pairs((ORIGINAL, SPUN),
                   ("A long road.", "A lengthy road."),
                   ("A lengthy film.", "A lengthy film."))  # 'lengthy' seen unchanged once
    by_pair = {e.pair: e for e in learn(pairs, source="unit")}
    e = by_pair[("lengthy", "long")]
    assert (e.count, e.source, e.guard) == (2, "unit", "")
    assert e.weight == pytest.approx(2 / 3)
    assert by_pair[("spending plan", "budget")].weight == 1.0


def test_noisy_function_word_gets_a_tiny_weight():
    pairs = _pairs(("You should go to the shop to buy bread.", "You to go to the shop to buy bread."),
                   *[(f"We want to see item {n} and to keep it.", f"We want to see item {n} and to keep it.")
                     for n in range(10)],
                   ("A long road.", "A lengthy road."))
    by_pair = {e.pair: e for e in learn(pairs)}
    noise = by_pair[("to", "should")]
    assert noise.count == 1 and noise.weight < 0.05
    assert by_pair[("lengthy", "long")].weight == 1.0


def test_learn_min_count_and_order():
    pairs = _pairs((ORIGINAL, SPUN), ("A long road.", "A lengthy road."))
    everything = learn(pairs)
    assert [e.pair for e in everything] == sorted(e.pair for e in everything)
    assert len(everything) == 5
    assert [e.pair for e in learn(pairs, min_count=2)] == [("lengthy", "long")]


def test_learn_is_pure_and_deterministic():
    pairs = _pairs((ORIGINAL, SPUN), ("A long road.", "A lengthy road."))
    copy = list(pairs)
    assert learn(pairs) == learn(list(reversed(pairs)))
    assert pairs == copy
    entries, stats = learn_with_stats(pairs)
    assert (stats.pairs, stats.substitutions, stats.distinct) == (2, 6, 5)
    assert entries == learn(pairs)


# --- reading pairs -----------------------------------------------------------------------------

def write_jsonl(path, *objects):
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


def test_read_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"original": "a", "spun": "b", "id": 1}) + "\n\n" +
                    json.dumps({"original": "c", "spun": "d"}) + "\n", encoding="utf-8")
    assert [(p.original, p.spun, p.origin, p.line) for p in read_jsonl(path)] == [
        ("a", "b", f"{path}:1", 1), ("c", "d", f"{path}:3", 3)]


def test_read_jsonl_strips_a_bom_and_takes_a_limit(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"original": "a", "spun": "b"}\r\n{"original": "c", "spun": "d"}\n'
                     b"not read: the limit stops before it\n")
    assert [(p.original, p.spun, p.line) for p in read_jsonl(path, limit=2)] == [
        ("a", "b", 1), ("c", "d", 2)]


def test_pair_from_original_and_spun_alone():
    assert Pair("o", "s") == Pair("o", "s", "", 0)  # scripts/train_spin.py builds pairs this way


def test_unreadable_jsonl_is_a_pairs_error(tmp_path):
    with pytest.raises(PairsError) as info:
        read_jsonl(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory"
    with pytest.raises(PairsError) as info:
        read_jsonl(tmp_path / "-")  # "-" is a file name for learn, not standard input
    assert str(info.value) == f"{tmp_path / '-'}: no such file"


@pytest.mark.parametrize("content, message", [
    (b'{"original": "a", "spun": "b"}\n{"original": "a", "spun": "b"}\n{"original": "a",\n',
     ":3: invalid JSON"),
    (b'{"original": "a", "spun": "b"}\n{"original": "a"}\n', ':2: missing field "spun"'),
    (b'{"spun": "a"}\n', ':1: missing field "original"'),
    (b'{"original": "a", "spun": 3}\n', ':1: field "spun" must be a string'),
    (b'["a", "b"]\n', ':1: expected an object with "original" and "spun"'),
    (b'{"original": "caf\xe9", "spun": "b"}\n', ": invalid UTF-8 at byte offset 17"),
    (b"\x00", ": binary file (NUL byte at offset 0)"),
    (b"", ": no pairs (the file is empty)"),
    (b"\n  \n", ": no pairs (the file is empty)"),
])
def test_read_jsonl_errors_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(PairsError) as info:
        read_jsonl(path)
    assert str(info.value).startswith(f"{path}{message}")


def test_read_pair_dirs_matches_relative_paths(tmp_path):
    orig, spun = tmp_path / "orig", tmp_path / "spun"
    for folder, texts in ((orig, (ORIGINAL, "A long road.")), (spun, (SPUN, "A lengthy road."))):
        (folder / "sub").mkdir(parents=True)
        (folder / "one.txt").write_text(texts[0], encoding="utf-8")
        (folder / "sub" / "two.txt").write_text(texts[1], encoding="utf-8")
        (folder / ".hidden").write_text("ignored", encoding="utf-8")
    pairs = read_pair_dirs(orig, spun)
    assert [(p.original, p.spun) for p in pairs] == [(ORIGINAL, SPUN), ("A long road.", "A lengthy road.")]
    assert read_pairs([(orig, spun)]) == pairs


def test_read_pair_dirs_lists_unmatched_files(tmp_path):
    orig, spun = tmp_path / "orig", tmp_path / "spun"
    orig.mkdir()
    spun.mkdir()
    for name in ("a.txt", "b.txt"):
        (orig / name).write_text("x", encoding="utf-8")
    (spun / "a.txt").write_text("y", encoding="utf-8")
    (spun / "c.txt").write_text("y", encoding="utf-8")
    with pytest.raises(PairsError) as info:
        read_pair_dirs(orig, spun)
    assert str(info.value) == f"unmatched files: only in {orig}: b.txt; only in {spun}: c.txt"


def test_read_pair_dirs_errors(tmp_path):
    (tmp_path / "empty1").mkdir()
    (tmp_path / "empty2").mkdir()
    with pytest.raises(PairsError, match="no files"):
        read_pair_dirs(tmp_path / "empty1", tmp_path / "empty2")
    with pytest.raises(PairsError, match="no such directory"):
        read_pair_dirs(tmp_path / "nope", tmp_path / "empty2")
    (tmp_path / "o").mkdir()
    (tmp_path / "s").mkdir()
    (tmp_path / "o" / "a.txt").write_bytes(b"fine")
    (tmp_path / "s" / "a.txt").write_bytes(b"bad \xff byte")
    with pytest.raises(PairsError, match=r"a\.txt: invalid UTF-8 at byte offset 4"):
        read_pair_dirs(tmp_path / "o", tmp_path / "s")


# --- CLI: repair learn ---------------------------------------------------------------------------

@pytest.fixture
def pairs_file(tmp_path):
    return write_jsonl(tmp_path / "pairs.jsonl",
                       {"original": ORIGINAL, "spun": SPUN},
                       {"original": "A long road.", "spun": "A lengthy road."})


def test_cli_learn_writes_a_valid_lexicon(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    r = invoke("learn", str(pairs_file), "-o", str(out), "--source", "unit test")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    entries = read_lexicon(out)
    assert ("lengthy", "long") in {e.pair for e in entries} and len(entries) == 5
    assert {e.source for e in entries} == {"unit test"}
    assert validate(out) == []
    assert r.stderr.count("\n") == 1
    assert "2 pairs, 6 substitutions" in r.stderr and "5 entries added, 0 updated" in r.stderr


def test_cli_learn_min_count(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    assert invoke("learn", str(pairs_file), "-o", str(out), "--min-count", "2").exit_code == 0
    assert [e.pair for e in read_lexicon(out)] == [("lengthy", "long")]
    assert invoke("learn", str(pairs_file), "-o", str(out), "--min-count", "0").exit_code == 2


def test_cli_learn_dry_run_writes_nothing(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    r = invoke("learn", str(pairs_file), "-o", str(out), "--dry-run")
    assert r.exit_code == 0
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl"]
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["change", "spun", "\u2192", "original", "count", "weight"]
    assert lines[1:] and all(line.startswith("add ") for line in lines[1:])
    assert any(line.split() == ["add", "lengthy", "\u2192", "long", "2", "1"] for line in lines)
    assert "dry run" in r.stderr

    existing = [Entry("lengthy", "long", 3, 0.75, "", "old")]
    write_lexicon(out, existing)
    before = out.read_bytes()
    r = invoke("learn", str(pairs_file), "-o", str(out), "--dry-run")
    assert r.exit_code == 0 and out.read_bytes() == before
    assert any(line.split()[:4] == ["update", "lengthy", "\u2192", "long"] and "3 -> 5" in line
               for line in r.stdout.splitlines())


def test_cli_learn_merges_and_never_loses_entries(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    old = [Entry("lengthy", "long", 3, 0.75, "", "old"),  # also learned: counts add
           Entry("troopers", "troops", 4, 1.0, "", "old"),  # unrelated: kept as it is
           Entry("debate", "discussion", 1, 0.1, "", "old")]  # the new discussion -> debate would
    write_lexicon(out, old, header_comments=["my curated list"])  # make a cycle with it
    r = invoke("learn", str(pairs_file), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    merged = {e.pair: e for e in read_lexicon(out)}
    assert set(merged) >= {e.pair for e in old}
    assert merged[("troopers", "troops")] == old[1]
    assert merged[("lengthy", "long")].count == 5
    assert merged[("lengthy", "long")].source == "old+learned"
    assert ("discussion", "debate") not in merged  # left out: would form a cycle
    assert "1 left out as chains" in r.stderr
    comments = read_header_comments(out)
    assert comments[0] == "my curated list" and len(comments) == 2  # kept, and the run recorded
    assert validate(out) == []


def test_cli_learn_from_folders(tmp_path):
    orig, spun = tmp_path / "orig", tmp_path / "spun"
    orig.mkdir()
    spun.mkdir()
    (orig / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    (spun / "a.txt").write_text(SPUN, encoding="utf-8")
    out = tmp_path / "lex.tsv"
    r = invoke("learn", "--dirs", str(orig), str(spun), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert ("spending plan", "budget") in {e.pair for e in read_lexicon(out)}
    (orig / "b.txt").write_text("x", encoding="utf-8")
    r = invoke("learn", "--dirs", str(orig), str(spun), "-o", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "unmatched files", "b.txt")


@pytest.mark.parametrize("content, fragment", [
    (b'{"original": "a", "spun": "b"}\n{bad json}\n', ":2: invalid JSON"),
    (b'{"original": "a"}\n', ':1: missing field "spun"'),
    (b'{"original": "\xff", "spun": "b"}\n', "invalid UTF-8"),
    (b"", "no pairs (the file is empty)"),
])
def test_cli_learn_bad_input_is_one_error_line_and_writes_nothing(tmp_path, content, fragment):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    out = tmp_path / "lex.tsv"
    r = invoke("learn", str(bad), "-o", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, str(bad), fragment)
    assert not out.exists()


def test_cli_learn_usage_errors(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    r = invoke("learn", "-o", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "nothing to learn from")
    assert invoke("learn", str(pairs_file)).exit_code == 2  # no -o
    r = invoke("learn", str(pairs_file), "-o", str(out), "--source", "a\tb")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "--source")
    out.write_text("not a lexicon\n", encoding="utf-8")
    r = invoke("learn", str(pairs_file), "-o", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{out}:1: header must be")
    assert out.read_text(encoding="utf-8") == "not a lexicon\n"


# --- repair learn into a lexicon that does not validate --------------------------------------

def raw_lexicon(path, *rows):
    path.write_text("spun\toriginal\tcount\tweight\tguard\tsource\n" + "".join(
        "\t".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


BAD_LEXICONS = {  # rows; the first problem 'lexicon validate' reports; what --repair says it did
    "duplicate": ([("a", "b", 1, 1, "", "hand"), ("a", "b", 2, 1, "", "hand")], ":3: duplicate",
                  ":3: duplicate: 'a' -> 'b' merged into line 2"),
    "self-pair": ([("zz", "zz", 1, 1, "", "hand")], ":2: self-pair", ":2: self-pair: 'zz' -> itself dropped"),
    "cycle": ([("a", "b", 1, 1, "", "hand"), ("b", "a", 1, 1, "", "hand")], ":2: cycle",
              ":3: chain: 'b' -> 'a' dropped for 'a' -> 'b' (line 2)"),
    "chain": ([("a", "b", 1, 1, "", "hand"), ("b", "c", 1, 1, "", "hand")], ":2: chain",
              ":3: chain: 'b' -> 'c' dropped for 'a' -> 'b' (line 2)"),
    "not-a-word": ([("a", "42", 1, 1, "", "hand")], ":2: not-a-word", ":2: not-a-word: 'a' -> '42' dropped"),
    "unsorted": ([("b", "c", 1, 1, "", "hand"), ("a", "d", 1, 1, "", "hand")], ":3: unsorted",
                 ":3: unsorted: entries sorted"),
}


@pytest.mark.parametrize("kind", sorted(BAD_LEXICONS))
def test_cli_learn_refuses_a_lexicon_that_does_not_validate(tmp_path, pairs_file, kind):
    rows, where, _ = BAD_LEXICONS[kind]
    out = raw_lexicon(tmp_path / "lex.tsv", *rows)
    before = out.read_bytes()
    for dry in ([], ["--dry-run"]):
        r = invoke("learn", str(pairs_file), "-o", str(out), *dry)
        assert r.exit_code == 2, r.stderr
        assert_one_error_line(r.stderr, f"{out}{where}", "--repair")
        assert out.read_bytes() == before


@pytest.mark.parametrize("kind", sorted(BAD_LEXICONS))
def test_cli_learn_repair_mends_the_lexicon_and_says_how(tmp_path, pairs_file, kind):
    rows, _, mended = BAD_LEXICONS[kind]
    out = raw_lexicon(tmp_path / "lex.tsv", *rows)
    r = invoke("learn", str(pairs_file), "-o", str(out), "--repair")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr
    notes = r.stderr.splitlines()[:-1]  # then the summary line
    assert len(notes) == 1 and notes[0].startswith(f"repair: learn: mended {out}{mended}")
    assert validate(out) == []
    assert ("lengthy", "long") in {e.pair for e in read_lexicon(out)}


def test_cli_learn_repair_adds_the_counts_of_duplicates(tmp_path):
    out = raw_lexicon(tmp_path / "du.tsv", ("a", "b", 1, 1, "", "hand"), ("a", "b", 2, 1, "", "hand"))
    pairs = write_jsonl(tmp_path / "g.jsonl", {"original": "x dog", "spun": "x hound"})
    r = invoke("learn", str(pairs), "-o", str(out), "--repair")
    assert r.exit_code == 0, r.stderr
    assert f"mended {out}:3: duplicate: 'a' -> 'b' merged into line 2: count 1 + 2 = 3" in r.stderr
    assert [(e.pair, e.count, e.weight) for e in read_lexicon(out)] == [
        (("a", "b"), 3, 1.0), (("hound", "dog"), 1, 1.0)]


def test_cli_learn_repair_on_a_valid_lexicon_changes_nothing_more(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    write_lexicon(out, [Entry("troopers", "troops", 4, 1.0, "", "old")])
    r = invoke("learn", str(pairs_file), "-o", str(out), "--repair")
    assert r.exit_code == 0 and r.stderr.count("\n") == 1 and "mended" not in r.stderr


# --- provenance: what a lexicon was learned from ---------------------------------------------

def test_pairs_digest_is_of_the_texts_not_their_origin():
    pairs = [Pair(ORIGINAL, SPUN, "a.jsonl:1", 1), Pair("A long road.", "A lengthy road.")]
    same = [Pair(ORIGINAL, SPUN, "elsewhere", 7), Pair("A long road.", "A lengthy road.")]
    assert pairs_digest(pairs) == pairs_digest(same)
    assert pairs_digest(pairs).startswith("sha256:") and len(pairs_digest(pairs)) == 7 + 16
    assert pairs_digest(pairs) != pairs_digest(pairs[::-1])
    assert pairs_digest(pairs) != pairs_digest([Pair(ORIGINAL, SPUN + " "), pairs[1]])


def test_cli_learn_records_each_run_in_the_header(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    write_lexicon(out, [Entry("troopers", "troops", 4, 1.0, "", "old")],
                  header_comments=["my list: 1 entries"])  # soon stale
    r = invoke("learn", str(pairs_file), "-o", str(out), "--source", "batch 7")
    assert r.exit_code == 0, r.stderr
    digest = pairs_digest(read_pairs([pairs_file]))
    assert read_header_comments(out) == [
        "my list: 1 entries",
        (f"repair learn: 2 pairs ({digest}) as 'batch 7', min count 1: 5 entries added, 0 updated; "
         "6 entries now")]
    assert len(read_lexicon(out)) == 6 and validate(out) == []


def test_cli_learn_warns_when_the_same_pairs_are_learned_again(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    first = invoke("learn", str(pairs_file), "-o", str(out))
    assert first.exit_code == 0 and "warning" not in first.stderr
    again = tmp_path / "again.jsonl"  # the same pairs under another name
    again.write_bytes(pairs_file.read_bytes())
    r = invoke("learn", str(again), "-o", str(out))
    assert r.exit_code == 0
    warning, _summary = r.stderr.splitlines()
    digest = pairs_digest(read_pairs([pairs_file]))
    assert warning == (f"repair: learn: warning: {out} already records learning from these pairs "
                       f"({digest}); their counts are added again")
    assert {e.pair: e.count for e in read_lexicon(out)}[("lengthy", "long")] == 4  # as documented
    other = write_jsonl(tmp_path / "other.jsonl", {"original": "A long walk.", "spun": "A lengthy walk."})
    assert "warning" not in invoke("learn", str(other), "-o", str(out)).stderr


def test_cli_learn_dry_run_lists_what_it_leaves_out(tmp_path, pairs_file):
    out = tmp_path / "lex.tsv"
    write_lexicon(out, [Entry("debate", "discussion", 1, 0.1, "", "old")])
    r = invoke("learn", str(pairs_file), "-o", str(out), "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "1 left out as chains" in r.stderr
    left_out = [line.split() for line in r.stdout.splitlines() if line.startswith("left out")]
    assert left_out == [["left", "out", "discussion", "\u2192", "debate", "1", "1"]]

"""Word swaps (repair.lexicon.word_swaps) and how the engine uses them.

A word swap is one word a spinner changed inside a phrase pair ("neural organization" ->
"neural network": organization -> network). The engine offers it as a lexicon candidate, but its
hits are no evidence that the document is spun: they neither count as lexicon hits of the text
nor open the document gate.
"""
import numpy as np
import pytest

from repair import spin
from repair.candidates import LEXICON, SWAP, Channel
from repair.data import lexicon_dir
from repair.lexicon import SWAP_SOURCE, Entry, Lexicon, read_lexicon, word_swaps
from repair.lm import model


def pairs(entries):
    return {(e.spun, e.original): (e.count, round(e.weight, 4)) for e in entries}


# ---------------------------------------------------------------- learning the swaps
def test_swaps_are_the_changed_words_of_equal_length_pairs():
    got = pairs(word_swaps([Entry("neural organization", "neural network"),
                            Entry("profound organization", "deep network"),
                            Entry("organization chart", "organization chart"),
                            Entry("data organization", "data structure")]))
    # organization is in four spun pairs: network twice, structure once, itself once
    assert got == {("organization", "network"): (2, 0.5), ("organization", "structure"): (1, 0.25),
                   ("profound", "deep"): (1, 1.0)}


@pytest.mark.parametrize("entry,swaps", [
    (Entry("organization", "network"), set()),  # one word: a plain entry already, nothing inside it
    (Entry("profound learning", "deep machine learning"), set()),  # unequal lengths: which word is which?
    (Entry("256 pieces", "256 bits"), {("pieces", "bits")}),  # the kept word a number: still a pair
    (Entry("3d organization", "4d network"), {("organization", "network")}),  # "3d" -> "4d" is no word
    (Entry("k-closest neighbors", "k-nearest neighbors"), {("k-closest", "k-nearest")}),  # inner hyphen
])
def test_which_pairs_teach_which_swaps(entry, swaps):
    assert {e.pair for e in word_swaps([entry])} == swaps


def test_no_swap_where_the_words_are_not_words():
    assert word_swaps([Entry("phase 2", "phase 3"), Entry("phase one,", "phase one;")]) == []
    assert word_swaps([Entry("x, organization", "y, network")]) == \
        [Entry("organization", "network", 1, 1.0, "", SWAP_SOURCE)]


def test_swaps_have_the_swap_source_and_no_chains():
    swaps = word_swaps([Entry("profound learning", "deep learning"), Entry("deep sea", "abyssal sea"),
                        Entry("deep dive", "abyssal dive")])
    assert all(e.source == SWAP_SOURCE and not e.guard for e in swaps)
    spun = {e.spun for e in swaps}
    assert not [e for e in swaps if e.original in spun], "a chain: profound -> deep -> abyssal"
    assert ("deep", "abyssal") in {e.pair for e in swaps}  # the stronger swap (2 pairs) is kept


def test_a_swap_keeps_the_number_when_its_twin_in_that_number_is_there():
    got = pairs(word_swaps([Entry("neural organization", "neural network"),
                            Entry("wireless organization", "wireless networks"),  # the list's slip
                            Entry("neural organizations", "neural networks"),
                            Entry("deep organizations", "deep network"),  # the slip the other way
                            Entry("huge information", "big data")]))  # a plural with no twin stands
    assert set(got) == {("organization", "network"), ("organizations", "networks"), ("huge", "big"),
                        ("information", "data")}
    assert got[("organization", "network")] == (1, 0.5)  # the slip still counts as a sighting


def test_empty_and_no_pairs():
    assert word_swaps([]) == []
    assert word_swaps([Entry("a b", "a b c")]) == []


# ---------------------------------------------------------------- the bundled swaps
def test_bundled_swaps_come_from_the_bundled_tortured_pairs():
    swaps = read_lexicon(lexicon_dir() / "tortured_swaps.tsv")
    assert len(swaps) > 1000
    assert all(e.source == SWAP_SOURCE and " " not in e.spun and " " not in e.original for e in swaps)
    assert pairs(swaps) == pairs(word_swaps(read_lexicon(lexicon_dir() / "tortured.tsv"))), \
        "rebuild with scripts/build_lexicons.py"


def test_the_engine_loads_the_bundled_swaps():
    assert "tortured_swaps.tsv" in spin.BUNDLED_LEXICONS


# ---------------------------------------------------------------- how the engine uses them
def _channel(*entries):
    return Channel([Lexicon([Entry(*e) for e in entries])])


SWAP_ROW = ("stroll", "walk", 3, 0.75, "", SWAP_SOURCE)


def test_a_swap_is_a_lexicon_candidate_flagged_swap():
    opts = _channel(SWAP_ROW).options("stroll", True, model())
    k = opts.texts.index("walk")
    assert opts.flags[k] & LEXICON and opts.flags[k] & SWAP and opts.lex_weight[k] == 0.75


def test_a_pair_also_listed_as_a_plain_entry_is_no_swap():
    opts = _channel(SWAP_ROW, ("stroll", "walk", 1, 0.5, "", "test")).options("stroll", True, model())
    k = opts.texts.index("walk")
    assert opts.flags[k] & LEXICON and not opts.flags[k] & SWAP
    assert opts.lex_weight[k] == 0.75  # the stronger of the two weights


def test_a_swap_is_no_lexicon_hit_of_the_document():
    text = "They went for a stroll along the river after lunch, and the stroll took an hour."
    plain = spin.evidence(text, spin.tokenize(text), _channel(("stroll", "walk", 3, 0.75, "", "test")))
    swap = spin.evidence(text, spin.tokenize(text), _channel(SWAP_ROW))
    assert plain.doc_lex > 0 and swap.doc_lex == 0
    assert not _channel(SWAP_ROW).replaced, "a swap's original is no wording a spinner replaces"
    assert _channel(("stroll", "walk", 3, 0.75, "", "test")).replaced


def test_a_swap_does_not_open_the_gate():
    text = "They went for a stroll along the river.\n\nThey stated that the warfare goes on."
    ev = spin.evidence(text, spin.tokenize(text), _channel(SWAP_ROW))
    X, owner, pick = spin.features(ev)
    flags = np.array([ev.scored[o].flags[p] for o, p in zip(owner.tolist(), pick.tolist())])
    is_swap = (flags & SWAP) > 0
    assert is_swap.any() and (~is_swap).any()
    assert np.allclose(spin.gate_features(ev, owner, pick, is_swap.astype(float)), 0.0)
    assert spin.gate_features(ev, owner, pick, (~is_swap).astype(float)).max() > 0

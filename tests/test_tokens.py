"""Stage 1 (repair/tokens.py): tokens carry exact code-point offsets; lm_form is the table key."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.tokens import lm_form, tokenize

TRICKY = {
    "curly quotes": "\u201cHello,\u201d she said. \u2018Yes\u2019 \u2014 Korea\u2019s troops.",
    "dashes and ellipsis": "10,000 km\u2013long border \u2014 a 3.5-hour drive\u2026 well-known",
    "CRLF": "The spy company said\r\nthe big company\r\n\r\nwas fine.\r\n",
    "BOM": "\ufeffThe spy company said.",
    "emoji and astral letters": "Troops \U0001F600 left \U0001D518nicode \U0001F1FA\U0001F1E6 flag, caf\u00e9.",
    "no final newline": "Last line without newline",
    "tabs, NBSP, zero-width, U+2028": "a\tb\u00a0c\u200bd\u2028e\u2029f",
    "only space": " \n\r\n\t ",
    "empty": "",
}


def _check_offsets(text):
    toks = tokenize(text)
    for t in toks:
        assert text[t.start:t.end] == t.text
        assert t.text and not t.text.isspace()
    # in order and disjoint; nothing but whitespace-like characters is left out
    for a, b in zip(toks, toks[1:]):
        assert a.end <= b.start
    return toks


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_offsets_are_exact(text):
    toks = _check_offsets(text)
    covered = set()
    for t in toks:
        covered.update(range(t.start, t.end))
    left_out = [ch for i, ch in enumerate(text) if i not in covered]
    # only space and invisible format characters (BOM, zero-width) are left between tokens
    assert all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in left_out), left_out


def test_words_keep_inner_apostrophes_and_numbers_their_separators():
    toks = [t.text for t in tokenize("Korea\u2019s 10,000 troops didn't stay; 3.5 km\u2014far.")]
    assert toks == ["Korea\u2019s", "10,000", "troops", "didn't", "stay", ";", "3.5", "km", "\u2014",
                    "far", "."]


def test_astral_characters_count_as_one_code_point():
    text = "\U0001F600 spy company"
    toks = tokenize(text)
    assert [t.text for t in toks] == ["\U0001F600", "spy", "company"]
    assert (toks[1].start, toks[1].end) == (2, 5)  # code points, not UTF-16 units or bytes


def test_crlf_never_inside_a_token():
    text = "one\r\ntwo\r\n"
    assert [(t.text, t.start, t.end) for t in tokenize(text)] == [("one", 0, 3), ("two", 5, 8)]


def test_is_word():
    kinds = {t.text: t.is_word for t in tokenize("The 3 troops, \u2014 \U0001F600 caf\u00e9")}
    assert kinds == {"The": True, "3": False, "troops": True, ",": False, "\u2014": False,
                     "\U0001F600": False, "caf\u00e9": True}


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b", "\u200d", "\u2060", "\u00ad"])
def test_invisible_characters_are_not_tokens(invisible):
    """A BOM or zero-width character is left between tokens like space (so a BOM does not hide
    the first word's sentence start from the scorer)."""
    text = invisible + "The spy" + invisible + " company"
    toks = tokenize(text)
    assert [t.text for t in toks] == ["The", "spy", "company"]
    assert [t.start for t in toks] == [1, 5, 10]


@pytest.mark.parametrize("raw,key", [
    ("Troops", "troops"),
    ("RUSSIA", "russia"),
    ("Korea\u2019s", "korea's"),
    ("don't", "don't"),
    ("10,000", "00,000"),
    ("3.5", "0.0"),
    ("1952", "0000"),
    ("CAF\u00c9", "caf\u00e9"),
])
def test_lm_form_folds_case_apostrophe_and_digits(raw, key):
    assert lm_form(raw) == key


def test_token_norm_is_lm_form():
    for t in tokenize("The Korea\u2019s 2,024 TROOPS"):
        assert t.norm == lm_form(t.text)


_PIECES = st.sampled_from(["troopers", "Korea\u2019s", "don't", "10,000", "3.5", ",", ".", "\u201c", "\u201d",
                           "\u2014", "-", "\U0001F600", "\U0001D518", "\ufeff", "\u200b", "_", "caf\u00e9"])
_SEPS = st.sampled_from(["", " ", "\r\n", "\n\n", "\t", "\u00a0", "\u2028"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PIECES, _SEPS), max_size=30).map(lambda xs: "".join(a + b for a, b in xs)))
def test_offsets_exact_on_generated_text(text):
    _check_offsets(text)

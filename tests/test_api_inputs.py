"""The Python API checks what it is given (repair.fix, check, fix_and_explain, Options): a bad
value is a TypeError or ValueError saying what is wrong, raised before any text is looked at,
never an AttributeError from deep inside a run or a threshold silently out of range."""
import math
from fractions import Fraction
from pathlib import Path

import pytest

import repair
from repair.changes import Change
from repair.pipeline import Options

TEXT = "The spy company said"


def engine(text, opts):
    return [Change(8, 15, "company", "agency", "spin.thesaurus", 0.5)], 0.0


@pytest.mark.parametrize("text, message", [
    (None, "text must be str, not NoneType"),
    (5, "text must be str, not int"),
    (b"The spy company", "text must be str, not bytes; decode it first"),
    (bytearray(b"x"), "text must be str, not bytearray; decode it first"),
    (["The spy company"], "text must be str, not list"),
])
@pytest.mark.parametrize("function", [repair.fix, repair.check, repair.fix_and_explain])
def test_text_must_be_a_str(function, text, message):
    with pytest.raises(TypeError, match="^" + message.replace("(", r"\(")):
        function(text, suggest=engine) if function is repair.fix_and_explain else function(text)


@pytest.mark.parametrize("name", ["min_confidence", "spun_min_confidence"])
@pytest.mark.parametrize("value, error", [
    (-1, ValueError), (1.5, ValueError), (math.nan, ValueError), (math.inf, ValueError), (-0.01, ValueError),
    ("0.5", TypeError), (True, TypeError), ([0.5], TypeError), (b"0.5", TypeError),
])
def test_thresholds_must_be_real_numbers_in_0_1(name, value, error):
    with pytest.raises(error, match=f"^{name} must be"):
        Options(**{name: value})
    with pytest.raises(error, match=f"^{name} must be"):
        repair.fix_and_explain(TEXT, suggest=engine, **{name: value})


def test_min_confidence_none_is_not_a_threshold():
    with pytest.raises(TypeError, match="^min_confidence must be a number between 0 and 1, not NoneType"):
        repair.check(TEXT, min_confidence=None)
    assert Options(spun_min_confidence=None).spun_min_confidence is None  # None there: no document gate


@pytest.mark.parametrize("value", [0, 1, 0.0, 1.0, Fraction(1, 2)])
def test_a_threshold_at_either_end_or_any_real_number_is_a_float(value):
    opts = Options(min_confidence=value, spun_min_confidence=value)
    assert type(opts.min_confidence) is float and opts.min_confidence == float(value)
    assert type(opts.spun_min_confidence) is float


def test_thresholds_act_as_given():
    assert repair.fix_and_explain(TEXT, suggest=engine, min_confidence=0.5).text == "The spy agency said"
    assert repair.fix_and_explain(TEXT, suggest=engine, min_confidence=0.51).text == TEXT
    assert repair.fix_and_explain(TEXT, suggest=engine, min_confidence=0).text == "The spy agency said"


@pytest.mark.parametrize("select", [(), [], set(), ""])
def test_an_empty_selection_is_an_error_as_on_the_command_line(select):
    if select == "":
        select = [""]  # not a rule either
        with pytest.raises(ValueError, match="unknown rule ''"):
            Options(select=select)
        return
    with pytest.raises(ValueError, match="^select is empty"):
        repair.fix(TEXT, select=select)


def test_rules_are_checked_when_the_options_are_made():
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        Options(select=["nope"])
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        Options(ignore=["nope"])
    with pytest.raises(ValueError, match="^select and ignore leave no rule to run"):
        repair.fix(TEXT, select=("artifact",), ignore=["artifact"])
    with pytest.raises(TypeError, match=r"^select must hold strings, not int \(3\)"):
        Options(select=[3])
    with pytest.raises(TypeError, match="^ignore must be an iterable of strings, not int"):
        Options(ignore=3)


@pytest.mark.parametrize("given", ["artifact", ["artifact"], ("artifact",), {"artifact"},
                                   (r for r in ["artifact"])])
def test_select_takes_any_iterable_of_str_or_one_str(given):
    opts = Options(select=given)
    assert opts.select == ("artifact",)
    hash(opts)  # still usable as a cache key


@pytest.mark.parametrize("given", [{"Kyiv", "  spy   Company "}, ["Kyiv", "spy company", "KYIV"],
                                   frozenset({"kyiv", "spy company"}), ("kyiv", "spy\tcompany", "  ")])
def test_ignore_words_take_any_iterable_of_str_normalised_as_a_word_list_file_is(given):
    opts = Options(ignore_words=given)
    assert opts.ignore_words == frozenset({"kyiv", "spy company"})


@pytest.mark.parametrize("given", [{"COMPANY"}, ["Kyiv", " Company "], "company"])
def test_ignore_words_given_as_a_set_or_list_are_honoured(given):
    assert repair.fix_and_explain(TEXT, suggest=engine, min_confidence=0.5).text == "The spy agency said"
    assert repair.fix_and_explain(TEXT, suggest=engine, ignore_words=given, min_confidence=0.5).text == TEXT


def test_ignore_words_read_from_a_file_match_those_given(tmp_path):
    from repair.ignores import read_word_list

    words = tmp_path / "words.txt"
    words.write_text("Kyiv  # a city\n  spy   Company \n\n")
    assert Options(ignore_words=["Kyiv", "  spy   Company "]).ignore_words == read_word_list(words)


def test_one_ignore_word_given_as_a_str_is_one_word():
    assert Options(ignore_words="Spy Company").ignore_words == frozenset({"spy company"})
    with pytest.raises(TypeError, match=r"^ignore_words must hold strings, not int \(1\)"):
        Options(ignore_words=[1])
    with pytest.raises(TypeError, match="^ignore_words must be an iterable of strings, not bytes"):
        Options(ignore_words=b"kyiv")


def test_lexicons_take_paths():
    assert Options(lexicons=[Path("a.tsv"), "b.tsv"]).lexicons == ("a.tsv", "b.tsv")
    assert Options(lexicons=Path("a.tsv")).lexicons == ("a.tsv",)
    with pytest.raises(TypeError, match="^lexicons must hold strings, not NoneType"):
        Options(lexicons=[None])


def test_options_must_be_options():
    with pytest.raises(TypeError, match="^options must be a repair.Options, not dict; give settings as keywords"):
        repair.fix(TEXT, {"min_confidence": 0.1})
    with pytest.raises(TypeError, match=r"^unknown option 'min_confidance' \(known: min_confidence, "):
        repair.check(TEXT, min_confidance=0.1)
    opts = Options(min_confidence=0.5)
    assert repair.fix_and_explain(TEXT, opts, suggest=engine).text == "The spy agency said"
    # overrides are checked too, over the Options given
    with pytest.raises(ValueError, match="^min_confidence must be between 0 and 1, got -1.0"):
        repair.fix_and_explain(TEXT, opts, suggest=engine, min_confidence=-1)

"""repair/phrase.py and `repair phrase`: the readings of a phrase known to be spun."""
import json

import numpy as np
import pytest

from repair import phrase
from repair.candidates import Channel
from repair.data import MissingDataError
from repair.lexicon import Entry, Lexicon

from test_cli import invoke

CARRIER = "In this paper we study the {} of the proposed method."


@pytest.fixture(scope="module")
def bare():
    """The inverse thesaurus alone: no spin lexicon can hand over an answer."""
    return Channel()


def test_thesaurus_alone_restores_a_two_word_term_in_context(bare):
    found = phrase.readings("profound learning", "We train a profound learning model on images.", channel=bare)
    assert found[0].text == "deep learning"
    assert found[0].changes == (("profound", "deep"),)


def test_phrase_reading_looks_past_the_fix_engines_option_limit(bare, monkeypatch):
    # "network" is not among the 40 options the fix engine keeps for "organization" (its row is long),
    # but it is within PHRASE_OPTIONS: a phrase known to be spun may be read with a rarer original
    def readable(limit):
        monkeypatch.setattr(phrase, "PHRASE_OPTIONS", limit)
        texts, _, _ = phrase.reading_features("neural organization", channel=Channel())
        return "neural network" in [t.lower() for t in texts]

    assert bare.max_options < phrase.PHRASE_OPTIONS
    assert readable(phrase.PHRASE_OPTIONS)
    assert not readable(bare.max_options)


def test_a_span_offers_more_than_its_eight_likeliest_options(bare, monkeypatch):
    # "signal" is an option of "flag" but not among its 8 likeliest in context
    def readable(per_span):
        monkeypatch.setattr(phrase, "PER_SPAN", per_span)
        texts, _, _ = phrase.reading_features("boisterous flag", channel=bare)
        return "noisy signal" in [t.lower() for t in texts]

    assert phrase.PER_SPAN[0] > 8
    assert readable(phrase.PER_SPAN)
    assert not readable((8, 6, 4, 3, 2, 1))


def test_a_lexicon_entry_raises_its_readings(bare):
    lex = Channel([Lexicon([Entry("woodland", "forest", 3, 1.0, "", "test")])])

    def first_forest(channel):
        found = phrase.readings("irregular woodland", channel=channel, top=100)
        return next((k for k, r in enumerate(found) if r.text.endswith("forest")), len(found))

    assert first_forest(lex) == 0 < first_forest(bare)


def test_capitalisation_is_carried_over(bare):
    found = phrase.readings("Profound Learning", "We train a Profound Learning model.", channel=bare)
    assert found[0].text == "Deep Learning"


def test_readings_are_distinct_ranked_and_never_the_phrase_itself(bare):
    found = phrase.readings("bosom peril", channel=bare, top=100)
    texts = [r.text.lower() for r in found]
    assert len(texts) == len(set(texts)) > 1
    assert "bosom peril" not in texts
    probs = [r.probability for r in found]
    assert probs == sorted(probs, reverse=True)
    assert 0 < sum(probs) <= 1 + 1e-9
    assert all(r.changes for r in found)
    assert all(len(r.features) == len(phrase.FEATURES) for r in found)


def test_top_limits_the_list(bare):
    assert len(phrase.readings("bosom peril", channel=bare, top=1)) == 1
    assert phrase.readings("bosom peril", channel=bare, top=0) == []


def test_a_long_phrase_stays_within_the_reading_budget(bare):
    texts, X, changes = phrase.reading_features("huge quick brown fox jumps over lazy dog", channel=bare)
    assert 0 < len(texts) <= phrase.MAX_READINGS
    assert X.shape == (len(texts), len(phrase.FEATURES)) and len(changes) == len(texts)


def test_a_phrase_too_long_to_read_whole_is_refused(bare):
    with pytest.raises(ValueError, match="too long"):
        phrase.readings(" ".join(["quick brown fox"] * 10), channel=bare)


def test_words_without_options_give_no_reading(bare):
    assert phrase.readings("xqzv blorptq", channel=bare) == []


def test_context_is_found_case_folded_and_only_the_phrase_changes(bare):
    found = phrase.readings("PROFOUND learning", "We train a profound learning model.", channel=bare)
    assert found and found[0].text.lower().endswith("learning")
    assert "model" not in found[0].text and "train" not in found[0].text


@pytest.mark.parametrize("text, context, message", [
    ("", None, "empty"),
    ("   ", None, "empty"),
    ("...", None, "no word"),
    ("profound learning", "a sentence without it", "does not contain"),
])
def test_bad_phrases_raise_value_error(bare, text, context, message):
    with pytest.raises(ValueError, match=message):
        phrase.readings(text, context, channel=bare)


def test_model_json_round_trip_and_validation():
    m = phrase.shipped_phrase_model()
    again = phrase.PhraseModel.from_json(m.to_json())
    X = np.random.default_rng(0).normal(size=(5, len(phrase.FEATURES)))
    assert np.allclose(again.scores(X), m.scores(X), atol=1e-4)
    wrong = dict(m.to_json(), features=list(phrase.FEATURES[:-1]))
    with pytest.raises(MissingDataError, match="rebuild"):
        phrase.PhraseModel.from_json(wrong)
    zero = dict(m.to_json(), scale=[0.0] * len(phrase.FEATURES))
    with pytest.raises(MissingDataError, match="positive"):
        phrase.PhraseModel.from_json(zero)


def test_shipped_model_says_where_it_came_from():
    from repair.data import lexicon_dir

    doc = json.loads((lexicon_dir() / phrase.MODEL_FILE).read_text(encoding="utf-8"))
    assert "tortured_phrases_dev" in doc["about"] and "train_phrase.py" in doc["about"]
    assert doc["trained_on"]["benchmark_fold_left_out"] > 0
    assert set(doc["five_fold"]) == {"alone", "carrier"}


# --- the command -------------------------------------------------------------------------

def test_cli_lists_ranked_readings():
    r = invoke("phrase", "bosom peril", "--top", "2")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "bosom peril"
    assert lines[1].lstrip().startswith("1. ") and lines[2].lstrip().startswith("2. ")
    assert len(lines) == 3


def test_cli_json_is_one_object_per_phrase():
    r = invoke("phrase", "profound learning", "neural organization", "-c",
               "A profound learning model and a neural organization.", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert [d["phrase"] for d in data] == ["profound learning", "neural organization"]
    for d in data:
        assert d["readings"] and all({"text", "probability", "changes"} <= set(x) for x in d["readings"])
        assert all(c["spun"] and c["original"] for x in d["readings"] for c in x["changes"])


def test_cli_says_when_there_is_no_reading():
    r = invoke("phrase", "xqzv")
    assert r.exit_code == 0
    assert "no reading" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["phrase", "deep learning", "-c", "no such words here"], "does not contain"),
    (["phrase", "  "], "empty"),
    (["phrase", "?!"], "no word"),
])
def test_cli_errors_are_one_line_and_exit_2(args, message):
    r = invoke(*args)
    assert r.exit_code == 2
    assert message in r.stderr and r.stderr.count("\n") == 1
    assert r.stdout == ""


def test_cli_rejects_a_bad_top():
    assert invoke("phrase", "bosom peril", "--top", "0").exit_code == 2
    assert invoke("phrase").exit_code == 2

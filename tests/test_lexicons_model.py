"""The shipped decision model is data: it must match the code that reads it."""
import json
from pathlib import Path

import numpy as np
import pytest

from repair import spin
from repair.decide import DecisionModel, shipped_model
from repair.pipeline import DEFAULT_THRESHOLD, SPUN_SCORE, SPUN_THRESHOLD

MODEL = Path(__file__).resolve().parent.parent / "lexicons" / "spin_model.json"


def _model_json() -> dict:
    return json.loads(MODEL.read_text(encoding="utf-8"))


def test_model_matches_the_features_the_code_computes():
    model = _model_json()
    stages = [model] if "first" not in model else [model["first"], model]
    assert tuple(stages[0]["features"]) == spin.FEATURES
    if len(stages) == 2:
        assert tuple(model["features"]) == spin.FEATURES + spin.GATE_FEATURES
    for stage in stages:
        assert stage["kind"] == "trees" and stage["trees"]
        for tree in stage["trees"]:
            n = len(tree["feature"])
            assert all(len(tree[k]) == n for k in ("threshold", "left", "right", "value"))
            assert max(tree["feature"]) < len(stage["features"])


def test_default_threshold_is_the_one_training_chose():
    model = _model_json()
    assert DEFAULT_THRESHOLD == model["threshold"]
    chosen = [r for r in model["training"]["selection_table"] if r["threshold"] == model["threshold"]]
    assert chosen and chosen[0]["clean_false_per_1k"] <= model["training"]["max_false_per_1k"]


def test_the_document_gate_rule_is_the_one_the_model_ships():
    gate = _model_json()["spun_document"]
    assert (SPUN_SCORE, SPUN_THRESHOLD) == (gate["score"], gate["threshold"])
    # a lower threshold, and only in a text scored well above a clean one's typical few spins per 1k words
    assert SPUN_THRESHOLD < DEFAULT_THRESHOLD and 0.01 < SPUN_SCORE < 1


def test_model_states_its_provenance():
    model = _model_json()
    assert "held-out" in model["about"] and model["training"]["events"] > 0


def test_shipped_model_gives_probabilities():
    m = shipped_model()
    for stage in (m, m.first) if m.first is not None else (m,):
        X = np.random.default_rng(0).normal(size=(50, len(stage.features)))
        p = stage.predict(X)
        assert p.shape == (50,) and np.all((p > 0) & (p < 1))


def test_shipped_model_decides_a_document():
    ev = spin.score_document("The troopers were despatched to the warfare in line with the spy company.")
    confidences = [s.confidence for s in ev.scored]
    assert confidences and all(0.0 <= c <= 1.0 for c in confidences) and max(confidences) > 0


# ---------------------------------------------------------------- the tree evaluator itself
STUMP = {"kind": "trees", "features": ["a", "b"], "threshold": 0.5, "base": 0.25, "trees": [
    # x[a] <= 1 ? (x[b] <= 0 ? -1 : +1) : +2
    {"feature": [0, 1, -1, -1, -1], "threshold": [1.0, 0.0, 0, 0, 0], "left": [1, 2, 0, 0, 0],
     "right": [4, 3, 0, 0, 0], "value": [0, 0, -1.0, 1.0, 2.0]},
    {"feature": [-1], "threshold": [0], "left": [0], "right": [0], "value": [0.5]},
]}


def test_trees_are_evaluated_as_written():
    m = DecisionModel.from_json(STUMP)
    X = np.array([[0.0, -1.0], [1.0, 0.5], [1.5, -3.0]])
    assert m.log_odds(X).tolist() == [0.25 - 1.0 + 0.5, 0.25 + 1.0 + 0.5, 0.25 + 2.0 + 0.5]
    assert m.log_odds(np.zeros((0, 2))).shape == (0,)


def test_a_second_stage_carries_its_first():
    first = {**STUMP, "features": ["a", "b"]}
    m = DecisionModel.from_json({**STUMP, "features": ["a", "b", "gate"], "first": first})
    assert m.first is not None and m.first.features == ("a", "b") and m.first.first is None
    X = np.array([[0.0, -1.0, 7.0]])
    assert m.log_odds(X).tolist() == [0.25 - 1.0 + 0.5]  # the stump never splits on the gate
    with pytest.raises(ValueError, match="begin with"):
        DecisionModel.from_json({**STUMP, "features": ["b", "a", "gate"], "first": first})


def test_gate_is_the_rest_of_the_text():
    """The gate of an event counts every span's probability but its own, per 100 words."""
    ev = spin.score_document("The troopers were despatched to help.\n\nThey stated that the warfare goes on.")
    X, owner, pick = spin.features(ev)
    assert len(set(owner.tolist())) >= 2
    span = int(owner[0])
    p1 = (owner == span).astype(float) * 0.4  # only the first span has any probability
    g = spin.gate_features(ev, owner, pick, p1)
    words = ev.n_words + spin.SMOOTH_WORDS
    span_p = min(0.4 * int((owner == span).sum()), 1.0)
    assert np.allclose(g[owner == span], 0.0)
    assert np.allclose(g[owner != span, 1], 100 * span_p / words)
    block = spin._flat_of(ev).block
    same = (owner != span) & (block[owner] == block[span])
    other = block[owner] != block[span]
    assert same.any() and other.any()
    assert np.allclose(g[same, 0], 100 * span_p / (ev.block_words[block[span]] + spin.SMOOTH_WORDS))
    assert np.allclose(g[other, 0], 0.0)


def test_logistic_models_are_understood():
    m = DecisionModel.from_json({"kind": "logistic", "features": ["a", "b"], "threshold": 0.5,
                                 "weights": [2.0, -1.0], "base": 0.5})
    assert m.log_odds(np.array([[1.0, 1.0]])).tolist() == [1.5]


@pytest.mark.parametrize("bad, message", [
    ({**STUMP, "kind": "forest"}, "kind"),
    ({**STUMP, "trees": [{**STUMP["trees"][0], "value": [0]}]}, "length"),
    ({**STUMP, "trees": [{**STUMP["trees"][0], "feature": [5, 1, -1, -1, -1]}]}, "feature"),
    ({"kind": "logistic", "features": ["a"], "threshold": 0.5, "weights": []}, "weight"),
])
def test_malformed_models_fail_loudly(bad, message):
    with pytest.raises(ValueError, match=message):
        DecisionModel.from_json(bad)


def test_wrong_width_is_refused():
    with pytest.raises(ValueError, match="columns"):
        DecisionModel.from_json(STUMP).log_odds(np.zeros((1, 3)))

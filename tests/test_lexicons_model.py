"""The shipped decision model is data: it must match the code that reads it."""
import json
from pathlib import Path

from repair import spin
from repair.pipeline import DEFAULT_THRESHOLD

MODEL = Path(__file__).resolve().parent.parent / "lexicons" / "spin_model.json"


def test_model_matches_the_features_the_code_computes():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert tuple(model["features"]) == spin.FEATURES
    assert len(model["weights"]) == len(spin.FEATURES)
    assert all(isinstance(w, float) for w in model["weights"])


def test_default_threshold_is_the_one_training_chose():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert DEFAULT_THRESHOLD == model["threshold"]
    chosen = [r for r in model["training"]["selection_table"] if r["threshold"] == model["threshold"]]
    assert chosen and chosen[0]["clean_false_per_1k"] <= 0.1


def test_model_states_its_provenance():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    assert "held-out" in model["about"] and model["training"]["events"] > 0


def test_params_with_the_wrong_number_of_weights_fail_loudly():
    import pytest

    with pytest.raises(ValueError, match="weights"):
        spin.SpinParams(())
    assert len(spin.SpinParams.shipped().weights) == len(spin.FEATURES)

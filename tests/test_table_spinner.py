"""The synthetic table spinner the decision model trains on (scripts/train_spin.py, Spinner.table_spin).

It must spin as a spinner with a fixed table does: one synonym per word, used wherever the word
stands (re-inflected), and its gold must point at each replacement with the word it replaced.
"""
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.train_spin import Spinner  # noqa: E402

TEXT = ("The war began in spring. The wars of the north were long, and the war ended in autumn.\n"
        "Reporters said the war would end; the army said nothing.\n")
FWD = {"war": ["warfare", "combat"], "army": ["military"], "say": ["state"], "long": ["lengthy"]}


def spun(seed, type_rate=1.0, miss_rate=0.0):
    return Spinner(FWD, {}, random.Random(seed)).table_spin(TEXT, type_rate, miss_rate)


def restored(s):
    """The spun text with every gold span put back: the spinner's input."""
    out, pos = [], 0
    for start in sorted(s.gold):
        end, original = s.gold[start]
        out += [s.text[pos:start], original]
        pos = end
    return "".join(out + [s.text[pos:]])


def test_one_synonym_a_word_wherever_it_stands():
    for seed in range(5):
        s = spun(seed)
        replaced = {}
        for start, (end, original) in s.gold.items():
            replaced.setdefault(original, set()).add(s.text[start:end])
        assert replaced["war"] in ({"warfare"}, {"combat"})  # the same choice at all four singular places
        (choice,) = replaced["war"]
        (plural,) = replaced["wars"]
        assert plural.startswith(choice)  # the same synonym, put in the plural as lemminflect has it
        assert replaced["said"] == {"stated"}  # a verb's form follows the word it replaces


def test_gold_gives_the_input_back():
    for seed in range(5):
        for miss in (0.0, 0.5):
            s = spun(seed, miss_rate=miss)
            assert restored(s) == TEXT


def test_rates_leave_words_alone():
    assert spun(1, type_rate=0.0).gold == {}  # no word in the table
    assert spun(1, miss_rate=1.0).gold == {}  # every place missed
    some = spun(3, miss_rate=0.5)
    assert 0 < len(some.gold) < len(spun(3).gold)

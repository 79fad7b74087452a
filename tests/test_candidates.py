"""Stage 2 (repair/candidates.py): candidate originals, inflection, case and a/an.

These use the real shipped tables (lexicons/); they load once per test process.
"""
import lemminflect
import pytest

from repair.candidates import (COMPOUND, LEXICON, Channel, article_for, carry_case, inflect_term,
                               inflected_forms, options_for, propose)
from repair.lexicon import Entry, Lexicon
from repair.lm import model
from repair.tokens import tokenize


def cands(key, single=None, max_options=40):
    """The candidate originals of a spun key, as the engine would get them."""
    if single is None:
        single = " " not in key
    return [o.text for o in options_for(key, single, model(), max_options)]


def _texts(options):
    return [o.text for o in getattr(options, "options", options)]


# ---------------------------------------------------------------- the thesaurus finds the original
@pytest.mark.parametrize("spun,original", [
    ("troopers", "troops"),  # plural carried through the lemma: trooper -> troop -> troops
    ("despatched", "sent"),  # past tense carried: despatch -> send -> sent
    ("despatched", "dispatched"),
    ("faux", "fake"),
    ("warfare", "war"),
    ("informed", "told"),
    ("stated", "said"),
    ("in line with", "according to"),  # multi-word spans
])
def test_original_is_a_candidate(spun, original):
    assert original in cands(spun)


@pytest.mark.parametrize("spun,lemma_form", [
    ("troopers", "troop"), ("troopers", "trooper"),
    ("despatched", "send"), ("despatched", "dispatch"),
    ("informed", "tell"),
])
def test_inflection_is_carried_not_dropped(spun, lemma_form):
    """A plural or past-tense spin is never restored to an uninflected base form."""
    assert lemma_form not in cands(spun)


def test_candidates_never_include_the_spun_key_itself():
    for key in ("troopers", "despatched", "faux", "company", "in line with"):
        assert key not in cands(key)


@pytest.mark.parametrize("spun", ["noticed", "despatched", "informed", "stated", "troopers", "rising",
                                  "additionally", "confirmed"])
def test_no_invented_forms(spun):
    """Every candidate is made of words the context model knows, and every -ed/-ing word in it
    is one lemminflect's dictionary knows (no guessed forms like "teached")."""
    lm = model()
    options = cands(spun)
    assert options, spun
    for text in options:
        assert lm.term_ids(text) is not None, text
        for word in text.split():
            assert lm.word_id(word) > 1, (text, word)  # not <s> or <unk>
            if word.endswith(("ed", "ing")):
                assert lemminflect.getAllLemmas(word), (text, word)


def test_max_options_bounds_and_ranks_by_sources_then_frequency():
    """More thesaurus sources pairing the words first (each worth e**2 in frequency), then commoner."""
    import math

    from repair.candidates import SOURCE_WEIGHT

    lm = model()
    opts = options_for("company", True, lm, 5)
    assert 0 < len(opts) <= 5
    prior = [math.log1p(lm.freq(o.ids)) + SOURCE_WEIGHT * (o.flags & 15).bit_count() for o in opts]
    assert prior == sorted(prior, reverse=True)
    assert [o.text for o in opts] == cands("company")[:5]
    everything = options_for("company", True, lm, 10_000)
    assert len(everything) > 5
    worst_kept = min(prior)
    for o in everything[5:]:
        assert math.log1p(lm.freq(o.ids)) + SOURCE_WEIGHT * (o.flags & 15).bit_count() <= worst_kept


def test_unknown_word_has_no_candidates():
    assert cands("xqzzyvv") == []


@pytest.mark.parametrize("term,tag,expected", [
    ("troop", "NNS", "troops"),
    ("send", "VBD", "sent"),
    ("take note", "VBD", "took note"),  # verbs inflect their first word
    ("police officer", "NNS", "police officers"),  # plural nouns their last
    ("good", "JJR", "better"),
    ("big deal", "VBD", None),  # no verb form: refused rather than invented
    ("quickly", "VBD", None),
])
def test_inflect_term(term, tag, expected):
    assert inflect_term(term, tag) == expected


@pytest.mark.parametrize("word, lemma, tag", [
    ("troopers", "trooper", "NNS"),
    ("captured", "capture", "VBD"),
    ("larger", "large", "JJR"),
])
def test_inflected_forms_names_the_lemma_and_tag(word, lemma, tag):
    assert (lemma, tag) in inflected_forms(word)


@pytest.mark.parametrize("word", ["war", "trooper", "the", "xqzv"])
def test_a_lemma_or_unknown_word_is_no_inflected_form(word):
    assert inflected_forms(word) == ()


# ---------------------------------------------------------------- spans
def test_propose_covers_single_and_multi_word_spans():
    text = "The troopers were despatched, in line with reports."
    tokens = tokenize(text)
    found = {p.span.text: _texts(p.options) for p in propose(text, tokens, model())}
    assert "troops" in found["troopers"]
    assert "sent" in found["despatched"]
    assert "according to" in found["in line with"]
    for p in propose(text, tokens, model()):
        assert text[p.span.start:p.span.end] == p.span.text


def test_propose_respects_skip_and_line_breaks():
    text = "the troopers\nwere despatched"
    tokens = tokenize(text)
    spans = [p.span.text for p in propose(text, tokens, model(), skip_token=lambda i: i == 1)]
    assert "troopers" not in spans and "despatched" in spans
    assert all("\n" not in s for s in spans)


# ---------------------------------------------------------------- compounds
def _compounds(text, **kw):
    """{span text: its compound candidates} of ``text``."""
    return {p.span.text: _texts(p.options) for p in propose(text, tokenize(text), model(), **kw)
            if len(p.options) and all(o.flags & COMPOUND for o in p.options.options)}


@pytest.mark.parametrize("spun,original", [
    ("profound learning", "deep learning"),  # one word swapped
    ("numerous sclerosis", "multiple sclerosis"),
])
def test_compound_restores_a_term_whose_words_were_swapped(spun, original):
    found = _compounds(f"We study the {spun} of the model.")
    assert original in found[spun]


@pytest.mark.parametrize("text,pair", [
    ("We study deep learning here.", "deep learning"),  # the pair is common: nothing to restore
    ("We study the profound, learning it.", "profound, learning"),  # not adjacent words one space apart
    ("We study the profound\nlearning here.", "profound\nlearning"),
    ("We study profound-learning here.", "profound-learning"),
    ("We study profound  learning here.", "profound  learning"),
])
def test_no_compound_where_the_pair_is_common_or_not_a_plain_pair(text, pair):
    assert pair in text and pair not in _compounds(text)
    assert not any(span.startswith("profound") or span.startswith("deep") for span in _compounds(text))


def test_compound_options_carry_their_sources_and_association():
    text = "the profound learning"
    props = [p for p in propose(text, tokenize(text), model()) if p.span.text == "profound learning"]
    opts = {o.text: o for p in props for o in p.options.options}
    deep = opts["deep learning"]
    assert deep.flags & COMPOUND and deep.flags & ~(COMPOUND | LEXICON)  # a thesaurus source of "deep"
    assert deep.assoc > 0  # the corpus has the two words together more often than chance
    assert "profound learning" not in opts


def test_compound_respects_skip():
    text = "the profound learning"
    assert "profound learning" in _compounds(text)
    assert "profound learning" not in _compounds(text, skip_token=lambda i: i == 2)


# ---------------------------------------------------------------- terms the lexicons know
def _lexicon_channel(*pairs, guard=""):
    return Channel([Lexicon([Entry(spun, original, 3, 1.0, guard, "test") for spun, original in pairs])])


def test_terms_and_swaps_are_learned_from_the_lexicons_phrase_pairs():
    terms = _lexicon_channel(("neural organization", "neural network"), ("irregular woodland growth", "random forest growth"),
                             ("in line with", "as stated by the")).terms()
    assert terms.pairs == {"neural": {"network": "neural network"}}  # two-word originals only
    assert terms.swaps == {"organization": ("network",), "irregular": ("random",), "woodland": ("forest",)}
    # a guarded entry's wording teaches as well; phrases of unequal length teach no swaps
    assert _lexicon_channel(("neural organization", "neural network"), guard="neuron").terms().pairs
    assert not Channel().terms().pairs and not Channel().terms().swaps


@pytest.mark.parametrize("spun,term", [
    ("nervous organization", "neural network"),  # a thesaurus original, then a swap
    ("haphazard woodland", "random forest"),  # the same the other way round
    ("irregular backwoods", "random forest"),  # a swap, then a thesaurus original
])
def test_a_known_term_is_reached_word_by_word(spun, term):
    channel = _lexicon_channel(("neural organization", "neural network"), ("irregular woodland", "random forest"))
    text = f"We train the {spun} here."
    assert term in _compounds(text, channel=channel).get(spun, [])
    assert term not in _compounds(text, channel=Channel()).get(spun, [])  # the lexicons are what teach it


def test_a_swap_reaches_a_pair_the_corpus_knows_only_with_the_other_word_kept():
    # organization -> network and remote -> wireless are swaps; the corpus knows "wireless network"
    channel = _lexicon_channel(("neural organization layer", "neural network layer"),
                               ("remote phone call", "wireless phone call"))
    assert "wireless network" in _compounds("We train the wireless organization here.", channel=channel)[
        "wireless organization"]
    assert "remote organization" not in _compounds("We train the remote organization here.", channel=channel)


# ---------------------------------------------------------------- surface
@pytest.mark.parametrize("model_text,new,expected", [
    ("troopers", "troops", "troops"),
    ("Troopers", "troops", "Troops"),
    ("TROOPERS", "troops", "TROOPS"),
    ("In line with", "according to", "According to"),
    ("IN LINE WITH", "according to", "ACCORDING TO"),
    ("A", "an", "An"),  # one capital letter is Title case, not UPPER
    ("spy company", "spy agency", "spy agency"),
])
def test_carry_case(model_text, new, expected):
    assert carry_case(model_text, new) == expected


@pytest.mark.parametrize("word,article", [
    ("hour", "an"), ("Hour", "an"), ("honest", "an"), ("heir", "an"),
    ("university", "a"), ("European", "a"), ("user", "a"), ("one", "a"), ("once", "a"),
    ("apple", "an"), ("umbrella", "an"), ("idea", "an"), ("order", "an"),
    ("banana", "a"), ("house", "a"), ("statement", "a"),
])
def test_article_for(word, article):
    assert article_for(word) == article


# ---------------------------------------------------------------- lexicon candidates
def _channel(*entries):
    from repair.candidates import Channel
    from repair.lexicon import Entry, Lexicon

    return Channel([Lexicon([Entry(*e) for e in entries])])


def test_lexicon_entries_are_candidates_with_their_weight():
    from repair.candidates import LEXICON

    ch = _channel(("week after week", "weekly", 3, 0.75, "", "test"))
    opts = ch.options("week after week", False, model())
    assert opts.texts[0] == "weekly"
    assert opts.flags[0] & LEXICON and opts.lex_weight[0] == 0.75 and opts.lex_count[0] == 3


def test_a_pair_in_lexicon_and_thesaurus_carries_both_sources():
    from repair.candidates import LEXICON

    plain = options_for("troopers", True, model(), 40)
    assert "troops" in [o.text for o in plain]
    opts = _channel(("troopers", "troops", 2, 0.5, "", "test")).options("troopers", True, model())
    k = opts.texts.index("troops")
    assert opts.flags[k] & LEXICON and opts.flags[k] & ~LEXICON
    assert opts.texts.count("troops") == 1


def test_guarded_entries_need_their_guard_in_the_document():
    ch = _channel(("surface region", "surface area", 5, 1.0, "surface area", "test"))
    text_without = "The surface region was measured."
    text_with = "The surface region was measured. The surface area is known."
    for text, expected in ((text_without, False), (text_with, True)):
        found = [o.text for p in propose(text, tokenize(text), model(), channel=ch) if p.span.text == "surface region"
                 for o in p.options.options if o.flags & LEXICON]  # (a compound may find it on its own)
        assert ("surface area" in found) is expected


def test_lexicon_originals_unknown_to_the_context_model_are_dropped():
    ch = _channel(("funny cartoon", "zzqxv strip", 1, 1.0, "", "test"))
    assert "zzqxv strip" not in ch.options("funny cartoon", False, model()).texts


# ---------------------------------------------------------------- term pairs keep the spun head's number
def test_term_pairs_keep_the_number_of_the_spun_head():
    from repair.candidates import _agreeing

    found = [("neural", -2, "networks", -2), ("neural", -1, "network", -2), ("neural", -1, "embedding", -2)]
    assert _agreeing("organization", found, 2) == ([found[1], found[2]], 1)  # singular spun head
    assert _agreeing("organizations", found, 2) == ([found[0], found[2]], 1)  # plural spun head
    # a plural without its singular among the pairs is kept ("huge information" -> "big data")
    assert _agreeing("information", [("big", -2, "data", -2)], 1) == ([("big", -2, "data", -2)], 1)
    # the same plural after another first word is not the same term
    other = [("neural", -2, "networks", -2), ("social", -2, "network", -2)]
    assert _agreeing("organization", other, 0) == (other, 0)


def test_a_singular_tortured_head_is_restored_singular():
    import repair

    text = "It is a profound learning neural organization, which makes use of huge information to foresee results.\n"
    by_old = {c.old: c for c in repair.fix_and_explain(text, min_confidence=0.0).suggestions}
    assert by_old["neural organization"].new == "neural network"
    assert all(c.text != "neural networks" for c in by_old["neural organization"].candidates)


def test_a_wider_channel_keeps_the_lexicons_and_is_made_once():
    lex = Channel([Lexicon([Entry("woodland", "forest", 3, 1.0, "", "test")])])
    wide = lex.with_options(lex.max_options + 100)
    assert wide is lex.with_options(lex.max_options + 100) and wide.lexicons == lex.lexicons
    assert wide.max_options == lex.max_options + 100
    assert wide.with_options(wide.max_options) is wide and lex.with_options(lex.max_options) is lex
    # more options a key: a long thesaurus row keeps more of its originals
    assert len(wide.options("company", True, model())) > len(lex.options("company", True, model()))

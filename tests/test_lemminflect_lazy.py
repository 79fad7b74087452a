"""repair/_lemminflect.py: lemminflect's tables read on demand give exactly its own tables."""
import pytest

lemminflect = pytest.importorskip("lemminflect")

from repair import _lemminflect


def _tables():
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    out = []
    for name, codec, fn in (("lemma_lu.csv.gz", LemmaLUCodec, Lemmatizer().lemma_lu_fn),
                            ("infl_lu.csv.gz", InflectionLUCodec, Inflections().infl_lu_fn)):
        data = _lemminflect._read(fn, name)
        if data is None:
            pytest.skip("another lemminflect release: its own loader is used")
        out.append((name, codec.load(fn), data))
    return out


def test_lazy_tables_equal_lemminflects_own():
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec

    for name, whole, data in _tables():
        if name.startswith("lemma"):
            merge, fixed = _lemminflect.lemma_line, {}
        else:
            merge, fixed = _lemminflect.infl_line, InflectionLUCodec.updateForAuxMod({})
        lazy = _lemminflect.SortedTable(data, merge, fixed, lambda whole=whole: whole)
        lazy_memo_limit = _lemminflect.FULL_AFTER
        try:
            _lemminflect.FULL_AFTER = 10 ** 9  # every word by binary search
            for word, entry in whole.items():
                assert lazy.get(word, {}) == entry, (name, word)
            for word in ("", "zzzzqx", "Aaa", "~", "troopers ", "a,b"):
                if word not in whole:
                    assert lazy.get(word, {}) == {}, (name, word)
        finally:
            _lemminflect.FULL_AFTER = lazy_memo_limit


def test_public_functions_unchanged():
    lem = _lemminflect.ready()
    assert lem.getAllLemmas("troopers") == {"NOUN": ("trooper",)}
    assert lem.getAllInflections("send", upos="VERB")["VBD"] == ("sent",)
    assert lem.getAllInflections("be", upos="VERB")["VBD"] == ("was", "were")


def test_replicas_equal_the_public_functions():
    lem = _lemminflect.ready()
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    words = set(LemmaLUCodec.load(Lemmatizer().lemma_lu_fn)) | set(InflectionLUCodec.load(Inflections().infl_lu_fn))
    words = sorted(words)[::7] + ["be", "can", "Troopers", "SENT", "zzzqx", "", "Aachen", "aachen"]
    for word in words:
        assert _lemminflect.all_lemmas(word) == lem.getAllLemmas(word), word
        for upos in ("NOUN", "VERB", "ADJ", "ADV"):
            assert _lemminflect.all_inflections(word, upos) == lem.getAllInflections(word, upos=upos), (word, upos)

"""lemminflect, with its two look-up tables read on demand instead of all at once.

lemminflect (0.2.3) parses its whole lemma and inflection tables (120k CSV lines) on first
use: a third of a second, most of a short text's run. Both files are sorted by word, so an
entry can be found by binary search over the decompressed text and parsed with lemminflect's
own line codecs, merged exactly as its loader merges them. :func:`ready` puts such lazy
tables into lemminflect's singletons, so its public functions (``getAllLemmas``,
``getAllInflections``) return exactly what they always do. Only for the known version and
the known table files (by checksum); anything else is left to lemminflect's own loader. After
``FULL_AFTER`` distinct words a table is loaded whole the usual way, so long runs pay the
loader's cost once and then look words up in a dict.
"""
from __future__ import annotations

import bisect
import gzip
import zlib

import numpy as np

__all__ = ["all_inflections", "all_lemmas", "ready"]

VERSION = "0.2.3"
CHECKSUMS = {"lemma_lu.csv.gz": (326767, 2799255233), "infl_lu.csv.gz": (274600, 2296114171)}
FULL_AFTER = 5000  # distinct words looked up lazily before a table is loaded whole

_EVERY = 32  # lines between sampled words
_done = False
_fast = False  # the replicas of getAllLemmas / getAllInflections below are used


def ready():
    """The lemminflect module, with lazy tables installed where that is safe (once)."""
    global _done, _fast
    import lemminflect

    if not _done:
        _done = True
        try:
            _install(lemminflect)
            if getattr(lemminflect, "__version__", None) == VERSION:
                from lemminflect.core import LexicalUtils
                from lemminflect.core.Inflections import Inflections
                from lemminflect.core.Lemmatizer import Lemmatizer

                _parts.update(lemmatizer=Lemmatizer(), inflections=Inflections(), utils=LexicalUtils)
                _fast = True
        except Exception:  # noqa: BLE001 - any surprise: lemminflect loads its own tables, asked as usual
            _fast = False
    return lemminflect


_parts: dict = {}  # lemminflect's singletons and helpers, for the replicas below


def all_lemmas(word: str) -> dict:
    """``lemminflect.getAllLemmas(word)``."""
    lemminflect = ready()
    if not _fast:
        return lemminflect.getAllLemmas(word)
    # lemminflect 0.2.3's getAllLemmas without a part of speech, less its deep copies (its entries
    # are dicts of tuples of strings: a copy of the dict is enough, as nothing is changed in place)
    lemmatizer, utils = _parts["lemmatizer"], _parts["utils"]
    caps_style = utils.getCapsStyle(word)
    word = word.lower()
    lemmas = dict(lemmatizer._getLemmaDict().get(word, {}))
    lemmas.update(lemmatizer._getOverridesDict().get(word, {}))
    return utils.applyCapsStyleToDict(lemmas, caps_style)


def all_inflections(lemma: str, upos: str) -> dict:
    """``lemminflect.getAllInflections(lemma, upos=upos)`` for upos NOUN, VERB, ADJ or ADV."""
    lemminflect = ready()
    if not _fast or upos not in ("NOUN", "VERB", "ADJ", "ADV"):
        return lemminflect.getAllInflections(lemma, upos=upos)
    # lemminflect 0.2.3's getAllInflections, less its deep copies (see all_lemmas)
    inflections, utils = _parts["inflections"], _parts["utils"]
    caps_style = utils.getCapsStyle(lemma)
    lemma = lemma.lower()
    forms = dict(inflections._getInflDict().get(lemma, {}))
    forms.update(inflections._getOverridesDict().get(lemma, {}))
    tags = utils.uposToTags(upos)
    for key in list(forms.keys()):
        if key not in tags:
            del forms[key]
    return utils.applyCapsStyleToDict(forms, caps_style)


def _read(path: str, name: str) -> bytes | None:
    with open(path, "rb") as f:
        raw = f.read()
    if (len(raw), zlib.crc32(raw)) != CHECKSUMS[name]:
        return None
    return gzip.decompress(raw)


def lemma_line(line: str, entry: dict | None) -> dict:
    """Merge one line of lemminflect's lemma table into a word's entry (upos -> lemmas)."""
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.LexicalUtils import categoryToUPos

    _, category, forms = LemmaLUCodec.fromString(line)
    upos = categoryToUPos(category)
    if entry is None:
        return {upos: forms}
    entry.update({upos: forms})
    return entry


def infl_line(line: str, entry: dict | None) -> dict:
    """Merge one line of lemminflect's inflection table into a word's entry (tag -> forms)."""
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec

    _, _, forms = InflectionLUCodec.fromString(line)
    if entry is None:
        return forms
    entry.update(forms)
    return entry


def _install(lemminflect) -> None:
    if getattr(lemminflect, "__version__", None) != VERSION:
        return
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    lemmatizer, inflections = Lemmatizer(), Inflections()
    if not hasattr(lemmatizer, "lemma_dict") and lemmatizer.lemma_lu_fn.endswith("lemma_lu.csv.gz"):
        data = _read(lemmatizer.lemma_lu_fn, "lemma_lu.csv.gz")
        if data is not None:
            lemmatizer.lemma_dict = SortedTable(data, lemma_line, {},
                                                lambda fn=lemmatizer.lemma_lu_fn: LemmaLUCodec.load(fn))
    if not hasattr(inflections, "infl_dict") and inflections.infl_lu_fn.endswith("infl_lu.csv.gz"):
        data = _read(inflections.infl_lu_fn, "infl_lu.csv.gz")
        if data is not None:
            # the loader's last step: aux and modal verbs replace whatever the file says
            fixed = InflectionLUCodec.updateForAuxMod({})
            inflections.infl_dict = SortedTable(data, infl_line, fixed,
                                                lambda fn=inflections.infl_lu_fn: InflectionLUCodec.load(fn))


_MISSING = object()


class SortedTable:
    """word -> entry, for a CSV whose lines are sorted by their first field (the word), one
    word's lines together. ``merge(line, entry)`` folds one line into the word's entry (None
    at first), as the loader does; ``fixed`` entries replace the file's; ``load_all()`` is the
    loader itself. ``get`` is all lemminflect asks of its tables; the rest of a dict's reading
    methods load the whole table."""

    def __init__(self, data: bytes, merge, fixed: dict, load_all) -> None:
        self._data = data
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
        starts = np.concatenate([[0], ends])
        self._starts = starts[starts < len(data)].tolist() + [len(data)]
        self._sample = [self._word(k) for k in range(0, len(self._starts) - 1, _EVERY)]
        self._merge, self._fixed, self._load_all = merge, fixed, load_all
        self._memo: dict[str, object] = {}
        self._whole: dict | None = None

    def _word(self, k: int) -> str:
        start = self._starts[k]
        comma = self._data.find(b",", start, self._starts[k + 1])
        return self._data[start:comma if comma >= 0 else self._starts[k + 1]].decode()

    def _find(self, word: str):
        n = len(self._starts) - 1
        j = bisect.bisect_left(self._sample, word)  # the first sampled line whose word is >= word
        lo, hi = (_EVERY * (j - 1) + 1 if j else 0), min(_EVERY * j, n)
        while lo < hi:  # the first line whose word is >= word
            mid = (lo + hi) // 2
            if self._word(mid) < word:
                lo = mid + 1
            else:
                hi = mid
        entry = None
        while lo < len(self._starts) - 1 and self._word(lo) == word:
            entry = self._merge(self._data[self._starts[lo]:self._starts[lo + 1]].decode(), entry)
            lo += 1
        return _MISSING if entry is None else entry

    def get(self, word, default=None):
        if self._whole is not None:
            return self._whole.get(word, default)
        if word in self._fixed:
            return self._fixed[word]
        entry = self._memo.get(word)
        if entry is None:
            if len(self._memo) >= FULL_AFTER:
                return self._all().get(word, default)
            entry = self._memo[word] = self._find(word)
        return default if entry is _MISSING else entry

    def _all(self) -> dict:
        if self._whole is None:
            self._whole = self._load_all()
        return self._whole

    # anything else a dict offers: from the whole table
    def __getitem__(self, word):
        entry = self.get(word, _MISSING)
        if entry is _MISSING:
            raise KeyError(word)
        return entry

    def __contains__(self, word) -> bool:
        return self.get(word, _MISSING) is not _MISSING

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def keys(self):
        return self._all().keys()

    def values(self):
        return self._all().values()

    def items(self):
        return self._all().items()

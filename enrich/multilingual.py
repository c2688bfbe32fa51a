"""Per-language sentiment routing.

Each language code maps to an analyzer with vaderSentiment's ``polarity_scores`` API. A language
without an analyzer is *unscored* (``None``), never a confident neutral: VADER on French text
finds no words it knows and would call the post neutral with full confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from enrich._trusted import trusted
from enrich.analyzer_protocol import Analyzer
from enrich.sentiment.labels import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, label_for
from schemas.mention import Sentiment

__all__ = [
    "Analyzer",
    "SentimentRouter",
    "POSITIVE_THRESHOLD",
    "NEGATIVE_THRESHOLD",
    "default_english_analyzer",
    "label_for",
]


def default_english_analyzer() -> Analyzer:
    """The project's fast VADER (output identical to vaderSentiment 3.3.2)."""
    from enrich.sentiment import SentimentAnalyzer

    analyzer: Analyzer = SentimentAnalyzer()
    return analyzer


def _tuple_scores(analyzer: Analyzer) -> Callable[[str], tuple[float, float, float, float]] | None:
    """Our VADER's ``scores`` (the same numbers as a tuple: no dict built and read back per post).

    Only for the class itself: a subclass may override ``polarity_scores``.
    """
    from enrich.sentiment import SentimentAnalyzer

    return analyzer.scores if type(analyzer) is SentimentAnalyzer else None


def _analyzer_name(analyzer: Analyzer) -> str:
    name = getattr(analyzer, "name", None)
    if isinstance(name, str) and name:
        return name
    module = type(analyzer).__module__
    if module.startswith(("vaderSentiment", "enrich.sentiment")):
        return "vader"
    return type(analyzer).__name__.lower()


class SentimentRouter:
    """Chooses the analyzer for a language and turns its scores into a :class:`Sentiment`.

    With ``analyzers=None`` English goes to VADER and Korean to the Korean lexicon analyzer.
    Pass a dict to replace the set (e.g. ``{"en": my_vader}`` to leave Korean unscored).
    """

    def __init__(self, analyzers: Mapping[str, Analyzer] | None = None) -> None:
        if analyzers is None:
            from enrich.korean import KoreanSentimentAnalyzer

            analyzers = {"en": default_english_analyzer(), "ko": KoreanSentimentAnalyzer()}
        for lang, analyzer in analyzers.items():
            if not callable(getattr(analyzer, "polarity_scores", None)):
                raise TypeError(f"analyzer for {lang!r} has no polarity_scores(text) method")
        self._routes = {
            lang.lower(): (analyzer, _analyzer_name(analyzer), _tuple_scores(analyzer))
            for lang, analyzer in analyzers.items()
        }

    @property
    def languages(self) -> frozenset[str]:
        """Language codes that get a score."""
        return frozenset(self._routes)

    def covers(self, lang: str) -> bool:
        """True when ``lang`` has an analyzer."""
        return lang.lower() in self._routes

    def score(self, text: str, lang: str) -> Sentiment | None:
        """Score ``text`` with the analyzer for ``lang``; ``None`` when no analyzer covers it."""
        route = self._routes.get(lang) or self._routes.get(lang.lower())
        if route is None:
            return None
        analyzer, name, tuple_scores = route
        neg, neu, pos, compound = tuple_scores(text) if tuple_scores is not None else _dict_scores(analyzer, text)
        return _sentiment(neg, neu, pos, compound, name)

    def score_many(self, texts: Sequence[str], langs: Sequence[str]) -> list[Sentiment | None]:
        """:meth:`score` of each text (in the language at the same index), one analyzer at a time over
        the batch: each analyzer's code and lexicon then stay in the CPU caches."""
        out: list[Sentiment | None] = [None] * len(texts)
        routes = self._routes
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            key = lang if lang in routes else lang.lower()
            if key in routes:
                by_lang.setdefault(key, []).append(i)
        for key, indices in by_lang.items():
            analyzer, name, tuple_scores = routes[key]
            if tuple_scores is not None:
                scored = [tuple_scores(texts[i]) for i in indices]
            else:
                scored = [_dict_scores(analyzer, texts[i]) for i in indices]
            for i, (neg, neu, pos, compound) in zip(indices, scored, strict=True):
                out[i] = _sentiment(neg, neu, pos, compound, name)
        return out


def _dict_scores(analyzer: Analyzer, text: str) -> tuple[float, float, float, float]:
    """(neg, neu, pos, compound) from an analyzer's ``polarity_scores`` dict."""
    scores = analyzer.polarity_scores(text)
    return float(scores["neg"]), float(scores["neu"]), float(scores["pos"]), float(scores["compound"])


def _sentiment(neg: float, neu: float, pos: float, compound: float, analyzer: str) -> Sentiment:
    return trusted(Sentiment, {
        "compound": compound,
        "pos": pos,
        "neu": neu,
        "neg": neg,
        "label": label_for(compound),
        "analyzer": analyzer,
    })

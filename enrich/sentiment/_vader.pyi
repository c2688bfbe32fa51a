"""Type stub of the C extension built from enrich/sentiment/_vader.c (VADER sentiment scoring)."""

from collections.abc import Iterable

class Analyzer:
    """VADER's tables, ready to score texts exactly as vaderSentiment 3.3.2 does."""

    def __init__(
        self,
        lexicon: dict[str, float],
        emoji: dict[str, str],
        boosters: dict[str, float],
        special_cases: dict[str, float],
        negate_words: Iterable[str],
        punctuation: str,
        c_incr: float,
        n_scalar: float,
    ) -> None: ...
    def scores(self, text: str, /) -> tuple[float, float, float, float]:
        """(neg, neu, pos, compound) of ``text``, equal to vaderSentiment's ``polarity_scores`` values."""
    def scores_unrounded(self, text: str, /) -> tuple[float, float, float, float]:
        """The same four numbers before ``round`` (for tests)."""

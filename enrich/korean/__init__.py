"""Korean sentiment: a hand-written lexicon with Korean negation, boosters and particles."""

from enrich.korean.analyzer import KoreanSentimentAnalyzer
from enrich.korean.lexicon import KoreanLexicon, load_lexicon

__all__ = ["KoreanLexicon", "KoreanSentimentAnalyzer", "load_lexicon"]

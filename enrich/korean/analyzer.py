"""Rule-based Korean sentiment with VADER-compatible output.

Korean is agglutinative: particles and endings are glued to the stem (좋아요, 좋았는데, 좋지만),
so words are matched by their longest lexicon stem at the start of each space-separated word.
Negation comes in three shapes, all handled: a short negator before the predicate (안 좋아,
못 믿겠다, or attached: 안좋아), a long negation after it (좋지 않다, 만족하지 못했다, 최고는
아니다) and 없다 (문제 없어요, 쓸모가 없다). Scores use VADER's constants (booster 0.293,
negation x-0.74, "but" 0.5/1.5, "!" emphasis, x/sqrt(x^2+15)) so Korean and English compounds
mean the same thing to thresholds and dashboards.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import ClassVar

from enrich.korean.lexicon import KoreanLexicon, load_lexicon

__all__ = ["KoreanSentimentAnalyzer"]

_NEGATION_SCALAR = -0.74  # VADER's N_SCALAR
_EXCLAIM_STEP = 0.292  # VADER's per-"!" emphasis, up to four
_MAX_EXCLAIMS = 4
_ALPHA = 15.0  # VADER's normalisation constant
_DISTANCE_SCALES = (1.0, 0.95)  # VADER damps a booster two words away
_TOKEN_CACHE_SIZE = 50_000  # words; ~10 MB at most, cleared when full

# The leading lookahead lets the regex engine skip to candidate characters (h, w, @) instead of
# trying every branch at every position; "@(?<![\w@]@)" is "(?<![\w@])@" with the literal first.
_URL_OR_HANDLE = re.compile(r"(?=[hw@])(?:(?:https?://|www\.)\S+|@(?<![\w@]@)\w+)", re.IGNORECASE)
# (kind, pattern, characters): every match contains one of the characters, so a pattern whose
# characters are absent from the text is not run.
_EMOTICONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("crying", re.compile(r"[ㅠㅜ]+"), "ㅠㅜ"),
    ("laughing", re.compile(r"ㅋ{2,}|ㅎ{2,}"), "ㅋㅎ"),
    ("smiling", re.compile(r"\^\^+|\^[_.]\^"), "^"),
    ("annoyed", re.compile(r"ㅡ{2,}|-_-"), "ㅡ_"),
)
_EMOTICON_CHARS = re.compile(r"[ㅠㅜㅋㅎ^ㅡ_]")
_TOKEN = re.compile(r"[^\s.,!?~…·\"'“”‘’()\[\]{}<>:;/|#*+=_]+")
_JOSA = ("이", "가", "도", "은", "는", "을", "를")


def _contains_any(text: str, chars: str) -> bool:
    for char in chars:
        if char in text:
            return True
    return False


@dataclass(slots=True)
class _Word:
    """One word and what the first pass learnt about it."""

    text: str
    valence: float = 0.0
    boost: float = 0.0
    negated: bool = False
    settled: bool = False  # existence nouns: 있다/없다 already decided the sign


class KoreanSentimentAnalyzer:
    """Korean analyzer with the ``polarity_scores`` API of vaderSentiment."""

    name: ClassVar[str] = "ko-lexicon"  # a class attribute also when compiled

    def __init__(self, lexicon: KoreanLexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self._longest = self.lexicon.longest_stem
        self._longest_phrase = self.lexicon.longest_phrase
        self._phrase_heads = frozenset(key.split(" ", 1)[0] for key in self.lexicon.phrases)
        # Social text repeats the same words (너무, 진짜, 좋아요); a word's own reading never
        # depends on its neighbours, so it is computed once.
        self._token_cache: dict[str, tuple[float, float, bool]] = {}

    def polarity_scores(self, text: str) -> dict[str, float]:
        """Return ``{"neg", "neu", "pos", "compound"}`` like VADER."""
        text = _URL_OR_HANDLE.sub(" ", text)
        extra: list[float] = []
        if _EMOTICON_CHARS.search(text):
            text = self._take_emoticons(text, extra)
        words = self._words(_TOKEN.findall(text))
        values = self._second_pass(words)
        values.extend(v for v in extra if v)
        if not values and not words:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        total = sum(values)
        emphasis = min(text.count("!") + text.count("！"), _MAX_EXCLAIMS) * _EXCLAIM_STEP
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        compound = total / math.sqrt(total * total + _ALPHA)
        return self._proportions(values, len(words) - sum(1 for w in words if w.valence), emphasis, compound)

    def _take_emoticons(self, text: str, extra: list[float]) -> str:
        """Replace emoticon runs (ㅠㅠ, ㅋㅋ, ^^, -_-) by spaces, adding each run's valence to ``extra``."""
        emoticons = self.lexicon.emoticons
        for kind, pattern, chars in _EMOTICONS:
            if not _contains_any(text, chars):
                continue
            runs = pattern.findall(text)
            if runs:
                extra.extend([emoticons[kind]] * len(runs))
                text = pattern.sub(" ", text)
        return text

    # -- word level -------------------------------------------------------------------------

    def _words(self, tokens: list[str]) -> list[_Word]:
        lex = self.lexicon
        words: list[_Word] = []
        n, i = len(tokens), 0
        while i < n:
            token = tokens[i]
            if token in self._phrase_heads and i + 1 < n:
                value = self._phrase(token, tokens[i + 1])
                if value is not None:
                    words.append(_Word(f"{token} {tokens[i + 1]}", valence=value))
                    i += 2
                    continue
                if i + 2 < n and tokens[i + 1] in lex.negation_words:
                    value = self._phrase(token, tokens[i + 2])
                    if value is not None:  # 마음에 안 들어요
                        words.append(_Word(f"{token} {tokens[i + 2]}", valence=value, negated=True))
                        i += 3
                        continue
            cached = self._token_cache.get(token)
            if cached is None:
                word = self._first_pass(token)
                if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
                    self._token_cache.clear()
                self._token_cache[token] = (word.valence, word.boost, word.negated)
            else:
                word = _Word(token, cached[0], cached[1], cached[2])
            words.append(word)
            i += 1
        return words

    def _phrase(self, first: str, second: str) -> float | None:
        joined = f"{first} {second}"
        phrases = self.lexicon.phrases
        for length in range(min(len(joined), self._longest_phrase), len(first) + 1, -1):
            value = phrases.get(joined[:length])
            if value is not None:
                return value
        return None

    def _lookup(self, token: str) -> tuple[float, int] | None:
        valence = self.lexicon.valence
        for length in range(min(len(token), self._longest), 0, -1):
            value = valence.get(token[:length])
            if value is not None:
                return value, length
        return None

    def _first_pass(self, token: str) -> _Word:
        lex = self.lexicon
        word = _Word(token)
        if token.isascii():
            word.valence = lex.latin_exact.get(token.lower(), 0.0)
            return word
        if token in lex.intensifiers or token in lex.negation_words:
            return word
        found = self._lookup(token)
        if found is None and len(token) > 1:
            if token[0] in lex.negation_words:
                found = self._lookup(token[1:])
                if found is not None:
                    word.negated = True
                    found = (found[0], found[1] + 1)
            if found is None:
                for prefix in lex.intensifier_prefixes:
                    if token.startswith(prefix) and len(token) > len(prefix):
                        found = self._lookup(token[len(prefix) :])
                        if found is not None:
                            word.boost = lex.intensifiers.get(prefix, 0.293)
                            found = (found[0], found[1] + len(prefix))
                            break
        if found is None:
            return word
        value, length = found
        rest = token[length:]
        if any(part in rest for part in lex.negating_suffix_parts):
            word.negated = not word.negated
        word.valence = value
        return word

    def _existence_value(self, word: _Word, following: _Word | None) -> float | None:
        if following is None or not following.text.startswith(("없", "있")):
            return None
        stem = word.text
        if stem not in self.lexicon.existence_nouns and stem.endswith(_JOSA):
            stem = stem[:-1]
        base = self.lexicon.existence_nouns.get(stem)
        if base is None:
            return None
        if following.text.startswith("없"):
            return -base
        if following.text.startswith("있"):
            return base
        return None

    # -- sentence level -----------------------------------------------------------------------

    def _second_pass(self, words: list[_Word]) -> list[float]:
        lex = self.lexicon
        n = len(words)
        for i, word in enumerate(words):
            following = words[i + 1] if i + 1 < n else None
            if word.valence == 0.0:
                existence = self._existence_value(word, following)
                if existence is not None:
                    word.valence, word.settled = existence, True
            elif word.text == "별로" and following is not None:
                # Adverb "not particularly" before a negated predicate, not "meh" on its own.
                word.valence = 0.0

        boundary = self._contrast_boundary(words)
        values: list[float] = []
        for i, word in enumerate(words):
            value = word.valence
            if value == 0.0:
                continue
            boost = word.boost
            for distance, scale in enumerate(_DISTANCE_SCALES, start=1):
                if i - distance >= 0:
                    boost += lex.intensifiers.get(words[i - distance].text, 0.0) * scale
            if boost:
                value += boost if value > 0 else -boost
            if not word.settled and (word.negated or self._negated_around(words, i)):
                value *= _NEGATION_SCALAR
            if boundary is not None:
                value *= 0.5 if i < boundary else 1.5 if i > boundary else 0.5
            values.append(value)
        return values

    def _negated_around(self, words: list[_Word], i: int) -> bool:
        lex = self.lexicon
        n = len(words)
        if i >= 1 and words[i - 1].text in lex.negation_words:
            return True
        if i >= 2 and words[i - 2].text in lex.negation_words and words[i - 1].text in lex.intensifiers:
            return True
        if i + 2 < n and f"{words[i + 1].text} {words[i + 2].text}".startswith(lex.reversal_after):
            return True
        if i + 1 >= n:
            return False
        nxt = words[i + 1].text
        if nxt.startswith(lex.negating_next_prefixes) or self._light_negation(nxt):
            return True
        if nxt in lex.negation_words:
            # 추천 안 해요: a short negator before a light verb belongs to the word before.
            return i + 2 < n and words[i + 2].text.startswith(lex.light_verbs)
        # 최고인 건 아니다, 좋은 편은 아니에요: a bound noun may stand between.
        return (
            i + 2 < n
            and words[i + 1].valence == 0.0
            and words[i + 2].text.startswith(lex.distant_negation_prefixes)
        )

    def _light_negation(self, text: str) -> bool:
        """True for 안 돼요 / 안돼 / 못 했어요: a negator plus a light verb, in one word object."""
        lex = self.lexicon
        if len(text) < 2 or text[0] not in lex.negation_words:
            return False
        rest = text[2:] if text[1] == " " else text[1:]
        return rest.startswith(lex.light_verbs)

    def _contrast_boundary(self, words: list[_Word]) -> int | None:
        lex = self.lexicon
        for i, word in enumerate(words):
            if word.text in lex.contrast_words or word.text.endswith(lex.contrast_suffixes):
                return i
            if (
                i + 1 < len(words)
                and word.text.endswith(lex.concessive_endings)
                and words[i + 1].text.startswith(lex.concessive_next)
            ):
                return i + 1
        return None

    @staticmethod
    def _proportions(
        values: list[float], neutral_words: int, emphasis: float, compound: float
    ) -> dict[str, float]:
        pos = sum(v + 1.0 for v in values if v > 0)
        neg = sum(v - 1.0 for v in values if v < 0)
        if pos > -neg:
            pos += emphasis
        elif pos < -neg:
            neg -= emphasis
        total = pos - neg + max(neutral_words, 0)
        if total <= 0:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": round(compound, 4)}
        return {
            "neg": round(-neg / total, 3),
            "neu": round(max(neutral_words, 0) / total, 3),
            "pos": round(pos / total, 3),
            "compound": round(compound, 4),
        }

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
from collections.abc import Iterable
from typing import ClassVar, Final

from enrich.korean.lexicon import KoreanLexicon, load_lexicon

__all__ = ["KoreanSentimentAnalyzer"]

_NEGATION_SCALAR: Final = -0.74  # VADER's N_SCALAR
_EXCLAIM_STEP: Final = 0.292  # VADER's per-"!" emphasis, up to four
_MAX_EXCLAIMS: Final = 4
_ALPHA: Final = 15.0  # VADER's normalisation constant
_NEAR_SCALE: Final = 0.95  # VADER damps a booster two words away (one word away: x1.0)
# Together ~9 MB at most (~450 bytes a piece with its word), as the single word cache of 50k
# plain tuples took before; each is cleared when full. 20k distinct words hold a worker's
# everyday vocabulary.
_TOKEN_CACHE_SIZE: Final = 20_000  # words
_CHUNK_CACHE_SIZE: Final = 20_000  # whitespace-separated pieces of posts

# The leading lookahead lets the regex engine skip to candidate characters (h, w, @) instead of
# trying every branch at every position; "@(?<![\w@]@)" is "(?<![\w@])@" with the literal first.
# Every match contains "@", "://" or "www." (so "w." or "W."): see _may_have_url_or_handle.
_URL_OR_HANDLE = re.compile(r"(?=[hw@])(?:(?:https?://|www\.)\S+|@(?<![\w@]@)\w+)", re.IGNORECASE)
# (kind, pattern, characters): every match contains one of the characters, so a pattern whose
# characters are absent from the text is not run.
_EMOTICONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("crying", re.compile(r"[ㅠㅜ]+"), "ㅠㅜ"),
    ("laughing", re.compile(r"ㅋ{2,}|ㅎ{2,}"), "ㅋㅎ"),
    ("smiling", re.compile(r"\^\^+|\^[_.]\^"), "^"),
    ("annoyed", re.compile(r"ㅡ{2,}|-_-"), "ㅡ_"),
)
# A token is a maximal run of characters that are neither whitespace (\s is exactly str.isspace)
# nor one of _PUNCTUATION.
_PUNCTUATION: Final = ".,!?~…·\"'“”‘’()[]{}<>:;/|#*+=_"
_TOKEN = re.compile(r"[^\s.,!?~…·\"'“”‘’()\[\]{}<>:;/|#*+=_]+")
_JOSA = ("이", "가", "도", "은", "는", "을", "를")

# What a word is by exact match (KoreanSentimentAnalyzer._kinds, one lookup for all of these).
_INTENSIFIER: Final = 1  # in lexicon.intensifiers
_NEGATOR: Final = 2  # in lexicon.negation_words
_PHRASE_HEAD: Final = 4  # the first word of a two-word stem
_CONTRAST_WORD: Final = 8  # in lexicon.contrast_words
_REVERSAL_HEAD: Final = 16  # the words before a space of a reversal_after phrase ("줄" of "줄 알았는데")
_EXISTENCE: Final = 32  # an existence noun, alone or with a particle (맛, 맛이)
# Which "starts with" tests a word's first character can pass (KoreanSentimentAnalyzer._starts).
_STARTS_NEGATING_NEXT: Final = 1  # negating_next_prefixes
_STARTS_LIGHT_VERB: Final = 2  # light_verbs
_STARTS_DISTANT: Final = 4  # distant_negation_prefixes
_STARTS_REVERSAL: Final = 8  # reversal_after
_STARTS_CONCESSIVE: Final = 16  # concessive_next
_STARTS_NEGATOR: Final = 32  # a one-character negation word (안돼: negator + light verb)
_STARTS_EXISTENCE: Final = 64  # 없 / 있
_STARTS_MEH: Final = 128  # 별로
# Which "ends with" tests a word's last character can pass (KoreanSentimentAnalyzer._ends).
_ENDS_CONTRAST: Final = 1  # contrast_suffixes
_ENDS_CONCESSIVE: Final = 2  # concessive_endings


def _contains_any(text: str, chars: str) -> bool:
    for char in chars:
        if char in text:
            return True
    return False


def _may_have_url_or_handle(text: str) -> bool:
    """False only when _URL_OR_HANDLE cannot match (a few ``in`` scans instead of a regex pass)."""
    return "@" in text or "://" in text or "w." in text or "W." in text


def _may_have_emoticon(text: str) -> bool:
    """False only when no _EMOTICONS pattern can match (literals, not a loop: no per-char strs)."""
    return _may_have_jamo_emoticon(text) or "^" in text or "_" in text


def _may_have_jamo_emoticon(text: str) -> bool:
    """_may_have_emoticon for a text of letters and digits only (jamo are letters; ^ and _ are not)."""
    return "ㅠ" in text or "ㅜ" in text or "ㅋ" in text or "ㅎ" in text or "ㅡ" in text


def _exclaims(text: str) -> int:
    """``text.count("!") + text.count("！")``; ``in`` first, a cheaper call when there is none."""
    return (text.count("!") if "!" in text else 0) + (text.count("！") if "！" in text else 0)


def _tokens(text: str) -> list[str]:
    r"""``_TOKEN.findall(text)``, without the regex for the usual whitespace-separated words.

    ``str.split()`` splits on exactly the characters ``\s`` matches. A chunk of letters and digits
    only (``isalnum``: every Hangul syllable and jamo) holds no _PUNCTUATION, so it is one token;
    likewise what remains of a chunk after stripping punctuation from its ends (좋아요!! -> 좋아요),
    if that is letters and digits. Anything else (punctuation inside, emoji) goes to the regex.
    """
    tokens: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            tokens.append(chunk)
            continue
        core = chunk.strip(_PUNCTUATION)
        if core.isalnum():
            tokens.append(core)
        elif core:
            tokens.extend(_TOKEN.findall(core))
    return tokens


def _round(x: float, digits: int, scale: float) -> float:
    """``round(x, digits)`` (``scale`` = 10**digits) for the small numbers of a score, in float.

    ``round`` rounds the exact binary value of ``x`` to ``digits`` decimals (half to even) and
    parses the decimal back: about 0.3 µs. For |x| <= 1000 and ``scale`` <= 10**4, ``y = x * scale``
    is within 1e-9 of the exact product, so unless ``y`` is within 1e-6 of a tie (then ``round``
    itself decides), the nearest integer ``n`` to ``y`` is the one ``round`` picks, and
    ``n / scale`` (one correctly rounded division) is the double nearest the decimal, as parsing it
    gives. ``copysign`` keeps the sign of a result rounded to zero (``round(-0.0001, 3)`` is -0.0).
    """
    if not -1000.0 <= x <= 1000.0:  # also NaN
        return round(x, digits)
    y = x * scale
    lower = math.floor(y)
    fraction = y - lower  # exact
    if abs(fraction - 0.5) < 1e-6:
        return round(x, digits)
    return math.copysign((lower + 1 if fraction > 0.5 else lower) / scale, x)


class _Word:
    """A word read on its own: first-pass sentiment, and how it can act on its neighbours.

    Shared by every occurrence of a token (the analyzer caches one per distinct token), so only
    what depends on the word's text alone is here; the sentence-level pass reads these fields
    instead of re-running string tests on neighbours.
    """

    __slots__ = (
        "text", "valence", "boost", "negated", "intensity", "intensifier", "negator", "phrase_head",
        "existence_base", "has_existence", "existence_sign", "meh", "reversal_head", "negates_before",
        "light_verb", "distant_negation", "contrast", "concessive_end", "concessive_next",
    )

    def __init__(self, text: str, valence: float, boost: float, negated: bool) -> None:
        self.text = text
        self.valence = valence
        self.boost = boost
        self.negated = negated
        self.intensity = 0.0  # lexicon.intensifiers.get(text, 0.0)
        self.intensifier = False  # text in lexicon.intensifiers
        self.negator = False  # text in lexicon.negation_words
        self.phrase_head = False  # a two-word stem starts with text
        self.existence_base = 0.0  # for a neutral word: its existence-noun value ...
        self.has_existence = False  # ... if it has one (맛, 맛이)
        self.existence_sign = 0  # as the next word: -1 starts with 없, +1 with 있
        self.meh = False  # text == "별로"
        self.reversal_head = False  # "text next" may start with a reversal_after phrase
        self.negates_before = False  # starts with negating_next_prefixes, or 안/못 + light verb
        self.light_verb = False  # starts with light_verbs
        self.distant_negation = False  # starts with distant_negation_prefixes
        self.contrast = False  # a contrast word or ends with a contrast suffix
        self.concessive_end = False  # ends with concessive_endings
        self.concessive_next = False  # starts with concessive_next


class _Chunk:
    """A whitespace-separated piece of a post, read on its own (cached per distinct piece)."""

    __slots__ = ("words", "word", "exclaims", "runs", "phrase_head")

    def __init__(self, words: list[_Word], exclaims: int, runs: list[int] | None, phrase_head: bool) -> None:
        self.words = words  # its tokens' readings, shared: never modified
        self.word = words[0] if len(words) == 1 else None  # the usual case, appended instead
        self.exclaims = exclaims  # "!" and "！" outside URLs
        self.runs = runs  # emoticon runs per _EMOTICONS kind; None when there are none
        self.phrase_head = phrase_head  # some word may start a two-word stem


class KoreanSentimentAnalyzer:
    """Korean analyzer with the ``polarity_scores`` API of vaderSentiment."""

    name: ClassVar[str] = "ko-lexicon"  # a class attribute also when compiled

    def __init__(self, lexicon: KoreanLexicon | None = None) -> None:
        self.lexicon = lex = lexicon or load_lexicon()
        self._longest_phrase = lex.longest_phrase
        # A stem matches a prefix of the word, so it starts with the word's first character: the
        # longest stem per first character bounds the prefix search, and words whose first
        # character starts no stem skip it.
        self._stem_bound: dict[str, int] = {}
        for stem in lex.valence:
            self._stem_bound[stem[0]] = max(self._stem_bound.get(stem[0], 0), len(stem))
        # Attached intensifier prefixes by first character, longest first as in the lexicon.
        prefixes: dict[str, list[str]] = {}
        for prefix in lex.intensifier_prefixes:
            prefixes.setdefault(prefix[0], []).append(prefix)
        self._prefixes = {char: tuple(group) for char, group in prefixes.items()}
        # Exact-match kinds (_INTENSIFIER ...) of the words that have any.
        self._kinds: dict[str, int] = {}
        self._mark(lex.intensifiers, _INTENSIFIER)
        self._mark(lex.negation_words, _NEGATOR)
        self._mark([key.split(" ", 1)[0] for key in lex.phrases], _PHRASE_HEAD)
        self._mark(lex.contrast_words, _CONTRAST_WORD)
        # "word next" starts with phrase r if word starts with r, or r with "word " (word = r[:k]).
        self._mark([r[:k] for r in lex.reversal_after for k in range(len(r)) if r[k] == " "], _REVERSAL_HEAD)
        # The existence value of a neutral word: the noun's own, else the noun's before a particle.
        self._existence = {noun + josa: base for noun, base in lex.existence_nouns.items() for josa in _JOSA}
        self._existence.update(lex.existence_nouns)
        self._mark(self._existence, _EXISTENCE)
        # A word starts (ends) with an entry only if its first (last) character is the entry's.
        self._starts: dict[str, int] = {}
        for group, bit in (
            (lex.negating_next_prefixes, _STARTS_NEGATING_NEXT),
            (lex.light_verbs, _STARTS_LIGHT_VERB),
            (lex.distant_negation_prefixes, _STARTS_DISTANT),
            (lex.reversal_after, _STARTS_REVERSAL),
            (lex.concessive_next, _STARTS_CONCESSIVE),
            (tuple(word for word in lex.negation_words if len(word) == 1), _STARTS_NEGATOR),
            (("없", "있"), _STARTS_EXISTENCE),
            (("별로",), _STARTS_MEH),
        ):
            for entry in group:
                self._starts[entry[0]] = self._starts.get(entry[0], 0) | bit
        self._ends: dict[str, int] = {}
        for group, bit in ((lex.contrast_suffixes, _ENDS_CONTRAST), (lex.concessive_endings, _ENDS_CONCESSIVE)):
            for entry in group:
                self._ends[entry[-1]] = self._ends.get(entry[-1], 0) | bit
        # Social text repeats the same words (너무, 진짜, 좋아요); a word's own reading never
        # depends on its neighbours, so it is computed once. Likewise for whole pieces between
        # spaces (좋아요!!, ㅠㅠ, @handle): see _read_chunk.
        self._token_cache: dict[str, _Word] = {}
        self._chunk_cache: dict[str, _Chunk] = {}

    def polarity_scores(self, text: str) -> dict[str, float]:
        """Return ``{"neg", "neu", "pos", "compound"}`` like VADER."""
        chunks = self._chunk_cache
        words: list[_Word] = []
        exclaims = 0
        runs: list[int] | None = None  # emoticon runs per kind, if any
        phrase_heads = False
        for piece in text.split():
            chunk = chunks.get(piece)
            if chunk is None:
                chunk = self._read_chunk(piece)
                if len(chunks) >= _CHUNK_CACHE_SIZE:
                    chunks.clear()
                chunks[piece] = chunk
            single = chunk.word
            if single is not None:
                words.append(single)
            else:
                words.extend(chunk.words)
            exclaims += chunk.exclaims
            if chunk.phrase_head:
                phrase_heads = True
            if chunk.runs is not None:
                if runs is None:
                    runs = [0] * len(_EMOTICONS)
                for k in range(len(_EMOTICONS)):
                    runs[k] += chunk.runs[k]
        if phrase_heads:
            words = self._join_phrases(words)
        n = len(words)
        boundary = -2  # not looked for yet: only posts with a sentiment word need it
        # VADER keeps a list of the values and sums it three ways (all, positive + 1, negative - 1);
        # the sums are added up as the values come instead, in the same order: the same floats.
        count = 0  # values
        sentiment_words = 0  # words with a (settled) valence; the others are neutral
        total = pos = neg = 0.0
        for i in range(n):
            word = words[i]
            value = word.valence
            if value == 0.0:
                if not word.has_existence:
                    continue  # the usual neutral word, as _settled_valence would find
                value = self._settled_valence(words, i, n)
                if value == 0.0:
                    continue
            elif word.meh and i + 1 < n:
                continue  # _settled_valence: 별로 before another word is neutral
            sentiment_words += 1
            if boundary == -2:
                boundary = self._contrast_boundary(words)
            # Existence nouns have no valence of their own: a value here means 있다/없다 set it.
            settled = word.valence == 0.0
            boost = word.boost
            if i >= 1:
                boost += words[i - 1].intensity  # * 1.0
                if i >= 2:
                    boost += words[i - 2].intensity * _NEAR_SCALE
            if boost:
                value += boost if value > 0 else -boost
            if not settled and (word.negated or self._negated_around(words, i, n)):
                value *= _NEGATION_SCALAR
            if boundary >= 0:
                value *= 0.5 if i <= boundary else 1.5
            count += 1
            total += value
            if value > 0:
                pos += value + 1.0
            elif value < 0:
                neg += value - 1.0
        if runs is not None:
            # After the words, each run of each kind in _EMOTICONS order, as VADER's extra values.
            emoticons = self.lexicon.emoticons
            for k in range(len(_EMOTICONS)):
                value = emoticons[_EMOTICONS[k][0]]
                if value:
                    for _ in range(runs[k]):
                        count += 1
                        total += value
                        if value > 0:
                            pos += value + 1.0
                        else:
                            neg += value - 1.0
        if not count and not n:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        emphasis = min(exclaims, _MAX_EXCLAIMS) * _EXCLAIM_STEP
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        compound = total / math.sqrt(total * total + _ALPHA)
        return self._proportions(pos, neg, n - sentiment_words, emphasis, compound)

    # -- chunk and word level -----------------------------------------------------------------

    def _read_chunk(self, piece: str) -> _Chunk:
        """Read one whitespace-free piece of a post: URL/handle and emoticon removal, "!" and tokens.

        Reading a post piece by piece is exact: no URL, handle or emoticon match and no token
        spans whitespace; a URL/handle lookbehind at the start of a piece sees whitespace or the
        start of the text, alike for it; the removals only add spaces; "!" is in no emoticon.
        Emoticon runs are counted per kind: the values are added in kind order, as removing them
        from the whole text kind after kind would.
        """
        text = piece
        # Letters and digits only (the usual piece): no URL, handle, "!" or ^/_ emoticon, one token.
        plain = piece.isalnum()
        if not plain and _may_have_url_or_handle(text):
            text = _URL_OR_HANDLE.sub(" ", text)
        runs: list[int] | None = None
        if _may_have_jamo_emoticon(text) if plain else _may_have_emoticon(text):
            runs = [0] * len(_EMOTICONS)
            text = self._take_emoticons(text, runs)
            if not any(runs):
                runs = None  # nothing found, nothing replaced
        exclaims = 0 if plain else _exclaims(text)
        cache = self._token_cache
        words: list[_Word] = []
        phrase_head = False
        for token in [text] if plain and runs is None else _tokens(text):
            word = cache.get(token)
            if word is None:
                word = self._read(token)
                if len(cache) >= _TOKEN_CACHE_SIZE:
                    cache.clear()
                cache[token] = word
            words.append(word)
            if word.phrase_head:
                phrase_head = True
        return _Chunk(words, exclaims, runs, phrase_head)

    def _take_emoticons(self, text: str, runs: list[int]) -> str:
        """Replace emoticon runs (ㅠㅠ, ㅋㅋ, ^^, -_-) by spaces, counting them per kind in ``runs``."""
        for k in range(len(_EMOTICONS)):
            _, pattern, chars = _EMOTICONS[k]
            if not _contains_any(text, chars):
                continue
            found = pattern.findall(text)
            if found:
                runs[k] += len(found)
                text = pattern.sub(" ", text)
        return text

    def _join_phrases(self, words: list[_Word]) -> list[_Word]:
        """Two-word stems as one word with the stem's valence: 마음에 들어요, negated 마음에 안 들어요."""
        joined: list[_Word] = []
        n, i = len(words), 0
        while i < n:
            word = words[i]
            if word.phrase_head and i + 1 < n:
                token = word.text
                value = self._phrase(token, words[i + 1].text)
                if value is not None:
                    joined.append(self._describe_phrase(token + " " + words[i + 1].text, value, False))
                    i += 2
                    continue
                if i + 2 < n and words[i + 1].negator:
                    value = self._phrase(token, words[i + 2].text)
                    if value is not None:  # 마음에 안 들어요
                        joined.append(self._describe_phrase(token + " " + words[i + 2].text, value, True))
                        i += 3
                        continue
            joined.append(word)
            i += 1
        return joined

    def _phrase(self, first: str, second: str) -> float | None:
        joined = f"{first} {second}"
        phrases = self.lexicon.phrases
        for length in range(min(len(joined), self._longest_phrase), len(first) + 1, -1):
            value = phrases.get(joined[:length])
            if value is not None:
                return value
        return None

    def _lookup(self, token: str) -> tuple[float, int] | None:
        """The longest stem starting ``token``: (valence, length)."""
        bound = self._stem_bound.get(token[:1])
        if bound is None:
            return None
        valence = self.lexicon.valence
        for length in range(min(len(token), bound), 0, -1):
            value = valence.get(token[:length])
            if value is not None:
                return value, length
        return None

    def _read(self, token: str) -> _Word:
        """The first pass: the reading of one token on its own."""
        lex = self.lexicon
        kind = self._kinds.get(token, 0)
        if token.isascii():
            return self._describe(token, lex.latin_exact.get(token.lower(), 0.0), 0.0, False, kind)
        if kind & (_INTENSIFIER | _NEGATOR):
            return self._describe(token, 0.0, 0.0, False, kind)
        negated = False
        boost = 0.0
        found = self._lookup(token)
        if found is None and len(token) > 1:
            if token[0] in lex.negation_words:
                found = self._lookup(token[1:])
                if found is not None:
                    negated = True
                    found = (found[0], found[1] + 1)
            if found is None:
                for prefix in self._prefixes.get(token[0], ()):
                    if token.startswith(prefix) and len(token) > len(prefix):
                        found = self._lookup(token[len(prefix) :])
                        if found is not None:
                            boost = lex.intensifiers.get(prefix, 0.293)
                            found = (found[0], found[1] + len(prefix))
                            break
        if found is None:
            return self._describe(token, 0.0, boost, negated, kind)
        value, length = found
        rest = token[length:]
        for part in lex.negating_suffix_parts:
            if part in rest:
                negated = not negated
                break
        return self._describe(token, value, boost, negated, kind)

    def _describe_phrase(self, text: str, valence: float, negated: bool) -> _Word:
        return self._describe(text, valence, 0.0, negated, self._kinds.get(text, 0))

    def _describe(self, text: str, valence: float, boost: float, negated: bool, kind: int) -> _Word:
        """A _Word with the first-pass reading and every neighbour test on ``text`` answered.

        ``kind`` is ``self._kinds.get(text, 0)``; the "starts/ends with" tests run only for the
        groups that have an entry with the word's first/last character.
        """
        lex = self.lexicon
        word = _Word(text, valence, boost, negated)
        if kind:
            if kind & _INTENSIFIER:
                word.intensity = lex.intensifiers[text]
                word.intensifier = True
            word.negator = kind & _NEGATOR != 0
            word.phrase_head = kind & _PHRASE_HEAD != 0
            word.contrast = kind & _CONTRAST_WORD != 0
            word.reversal_head = kind & _REVERSAL_HEAD != 0
            if kind & _EXISTENCE and valence == 0.0:
                word.existence_base = self._existence[text]
                word.has_existence = True
        starts = self._starts.get(text[:1], 0)
        if starts:
            if starts & _STARTS_EXISTENCE:
                word.existence_sign = -1 if text.startswith("없") else 1 if text.startswith("있") else 0
            if starts & _STARTS_MEH:
                word.meh = text == "별로"
            if starts & _STARTS_REVERSAL and not word.reversal_head:
                word.reversal_head = text.startswith(lex.reversal_after)
            if starts & _STARTS_NEGATING_NEXT:
                word.negates_before = text.startswith(lex.negating_next_prefixes)
            if starts & _STARTS_NEGATOR and not word.negates_before:
                word.negates_before = self._light_negation(text)
            if starts & _STARTS_LIGHT_VERB:
                word.light_verb = text.startswith(lex.light_verbs)
            if starts & _STARTS_DISTANT:
                word.distant_negation = text.startswith(lex.distant_negation_prefixes)
            if starts & _STARTS_CONCESSIVE:
                word.concessive_next = text.startswith(lex.concessive_next)
        ends = self._ends.get(text[-1:], 0)
        if ends:
            if ends & _ENDS_CONTRAST and not word.contrast:
                word.contrast = text.endswith(lex.contrast_suffixes)
            if ends & _ENDS_CONCESSIVE:
                word.concessive_end = text.endswith(lex.concessive_endings)
        return word

    def _mark(self, words: Iterable[str], kind: int) -> None:
        for word in words:
            self._kinds[word] = self._kinds.get(word, 0) | kind

    def _light_negation(self, text: str) -> bool:
        """True for 안 돼요 / 안돼 / 못 했어요: a negator plus a light verb, in one word object."""
        if len(text) < 2 or text[0] not in self.lexicon.negation_words:
            return False
        rest = text[2:] if text[1] == " " else text[1:]
        return rest.startswith(self.lexicon.light_verbs)

    # -- sentence level -----------------------------------------------------------------------

    @staticmethod
    def _settled_valence(words: list[_Word], i: int, n: int) -> float:
        """Word ``i``'s valence once its neighbour is known: 맛이 + 없어요 -> -맛, 별로 + anything -> 0."""
        word = words[i]
        if word.valence == 0.0:
            if word.has_existence and i + 1 < n:
                sign = words[i + 1].existence_sign
                if sign < 0:
                    return -word.existence_base
                if sign > 0:
                    return word.existence_base
            return word.valence
        if word.meh and i + 1 < n:
            # Adverb "not particularly" before a negated predicate, not "meh" on its own.
            return 0.0
        return word.valence

    def _negated_around(self, words: list[_Word], i: int, n: int) -> bool:
        if i >= 1 and words[i - 1].negator:
            return True
        if i >= 2 and words[i - 2].negator and words[i - 1].intensifier:
            return True
        if i + 2 < n and words[i + 1].reversal_head:
            if f"{words[i + 1].text} {words[i + 2].text}".startswith(self.lexicon.reversal_after):
                return True
        if i + 1 >= n:
            return False
        nxt = words[i + 1]
        if nxt.negates_before:
            return True
        if nxt.negator:
            # 추천 안 해요: a short negator before a light verb belongs to the word before.
            return i + 2 < n and words[i + 2].light_verb
        # 최고인 건 아니다, 좋은 편은 아니에요: a bound noun may stand between.
        return i + 2 < n and words[i + 2].distant_negation and self._settled_valence(words, i + 1, n) == 0.0

    @staticmethod
    def _contrast_boundary(words: list[_Word]) -> int:
        """Index of the contrast word ("but") or -1: values before it count half, after it 1.5x."""
        n = len(words)
        for i in range(n):
            word = words[i]
            if word.contrast:
                return i
            if word.concessive_end and i + 1 < n and words[i + 1].concessive_next:
                return i + 1
        return -1

    @staticmethod
    def _proportions(pos: float, neg: float, neutral_words: int, emphasis: float, compound: float) -> dict[str, float]:
        # With no negative value VADER's neg is sum() of nothing, the int 0, and -0 / total is 0.0;
        # -neg would turn the float 0.0 into -0.0. 0.0 - neg is 0.0 there and -neg otherwise.
        if pos > -neg:
            pos += emphasis
        elif pos < -neg:
            neg -= emphasis
        total = pos - neg + max(neutral_words, 0)
        if total <= 0:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": _round(compound, 4, 10000.0)}
        return {
            "neg": _round((0.0 - neg) / total, 3, 1000.0),
            "neu": _round(max(neutral_words, 0) / total, 3, 1000.0),
            "pos": _round(pos / total, 3, 1000.0),
            "compound": _round(compound, 4, 10000.0),
        }

"""A faster, output-identical re-implementation of vaderSentiment 3.3.2's ``polarity_scores``.

Why it is faster, and why it is still exact (docs/sentiment.md has the long version):

* Each distinct whitespace token is analysed once (punctuation strip, lower-casing, ALL-CAPS
  test, lexicon / booster / negation lookups) and memoised, instead of re-lower-casing the whole
  token list for every lexicon word as the reference does (quadratic on long texts).
* Only lexicon words reach Python-level code; every other token scores the integer 0 exactly as
  in the reference. A lexicon word whose three preceding words trigger no rule skips the rule
  cascade, whose only effect would be adding ``0.0`` three times.
* Emoji are replaced with ``str.replace`` for the few emoji present (none for ASCII text). The
  reference rebuilds the text character by character; the only difference is extra spaces,
  which neither ``str.split`` nor the ``!`` / ``?`` counts can see.
* Only the lexicon words' scores are kept; the reference's other scores are zeros, which add
  nothing to its sums, and its contrastive "but" rule can only flip their sign.
* ``round`` (a decimal conversion) is replaced by an exact float shortcut, falling back to
  ``round`` itself near ties.

When the C extension ``enrich.sentiment._vader`` (``_vader.c``, a port of this module's algorithm)
is built, fresh and not disabled (``EARSHOT_PURE_PYTHON=1``), ``SentimentAnalyzer`` scores with it
instead, from the same tables; :func:`sentiment_backend` says which engine runs. This module stays
the reference for it and the fallback.

Every floating-point operation that reaches an output is performed in the reference's order,
with the reference's operands, so results are bit-identical, not merely close.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import lru_cache
from itertools import compress
from operator import attrgetter

from enrich.sentiment.lexicons import load_emoji_descriptions, load_lexicon
from enrich.sentiment.rules import (
    BOOSTER_DICT,
    C_INCR,
    CONTEXT_WORDS,
    IDIOM_FOLLOWERS,
    N_SCALAR,
    NEGATE_WORDS,
    PUNCTUATION,
    SPECIAL_CASES,
)

Scores = tuple[float, float, float, float]
"""(neg, neu, pos, compound), in the reference's dict order."""

DEFAULT_TEXT_CACHE = 4096
"""Whole-text LRU size of the Python engine unless ``text_cache_size`` says otherwise."""

CACHEABLE_CHARS = 1024
"""Texts up to this length go through the whole-text LRU cache (bounding it to a few MB)."""

_EMPTY: Scores = (0.0, 0.0, 0.0, 0.0)
_ALL_NEUTRAL: Scores = (0.0, 1.0, 0.0, 0.0)
"""What the reference's arithmetic yields for any non-empty text without a scored word."""
_NO_FOLLOWERS: frozenset[str] = frozenset()
_SO_THIS = ("so", "this")
_OR_NOR = ("or", "nor")


class Token:
    """Everything the rules need to know about one whitespace-separated token."""

    __slots__ = (
        "lower", "is_upper", "valence", "booster", "negates",
        "followers", "leads", "scores", "is_but", "modifies", "plain",
    )  # fmt: skip

    def __init__(self, lower: str, is_upper: bool, lexicon: dict[str, float]) -> None:
        self.lower = lower
        """The lower-cased word, punctuation stripped (unless that leaves <= 2 characters)."""
        self.is_upper = is_upper
        self.valence: float | None = lexicon.get(lower)
        """Lexicon valence; None when ``lower`` is not a lexicon word."""
        self.booster: float | None = BOOSTER_DICT.get(lower)
        """Booster/dampener scalar; None when ``lower`` is not one."""
        self.negates = lower in NEGATE_WORDS or "n't" in lower
        self.followers = IDIOM_FOLLOWERS.get(lower, _NO_FOLLOWERS)
        """Words that may follow this one inside a multi-word idiom or booster."""
        self.leads = bool(self.followers)
        self.scores = self.valence is not None and self.booster is None
        """The token gets its own valence: a lexicon word that is not a booster."""
        self.is_but = lower == "but"
        self.modifies = self.booster is not None or self.negates or lower in CONTEXT_WORDS
        """Some rule changes a following lexicon word's valence because of this word."""
        self.plain = lower != "no" and lower != "kind"
        """No rule treats this word specially when it is the scored word itself."""


_RULE_WORDS = frozenset(
    {"but", "no", "or", "nor", "least", "at", "very", "never", "so", "this", "without", "doubt", "kind", "of"}
    | set(BOOSTER_DICT)
    | NEGATE_WORDS
    | CONTEXT_WORDS
    | set(IDIOM_FOLLOWERS)
    | {word for followers in IDIOM_FOLLOWERS.values() for word in followers}
)
"""Every word any rule compares a token with (besides lexicon words and "n't" words)."""

# Any other token is "bland": it scores 0, modifies nothing, and whatever rule compares it with
# a word or builds an n-gram from it finds no match, so its actual text never matters -- only
# whether it is ALL CAPS. Sharing two instances keeps memo misses (handles, links, typos) cheap.
_BLAND = "\x00"
_BLAND_TOKENS = (Token(_BLAND, False, {}), Token(_BLAND, True, {}))


class _TokenCache(dict[str, Token]):
    """Memo of raw token -> Token; cleared when full so memory stays bounded on endless streams."""

    def __init__(self, lexicon: dict[str, float], max_entries: int) -> None:
        super().__init__()
        self._lexicon = lexicon
        self._notable = frozenset(lexicon) | _RULE_WORDS
        self._shared: tuple[dict[str, Token], dict[str, Token]] = ({}, {})
        self._max_entries = max_entries

    def __missing__(self, raw: str) -> Token:
        # The reference's SentiText._strip_punc_if_word, then lower-casing. One Token is shared
        # per (word, ALL CAPS) among raw variants such as "good!", "Good" and "(good)", and
        # bland tokens share two: misses are frequent (handles, links, sentence endings).
        stripped = raw.strip(PUNCTUATION)
        word = raw if len(stripped) <= 2 else stripped
        lower = word.lower()
        is_upper = word.isupper()
        if lower in self._notable or "n't" in lower:
            shared = self._shared[is_upper]
            token = shared.get(lower)
            if token is None:
                token = shared[lower] = Token(lower, is_upper, self._lexicon)
        else:
            token = _BLAND_TOKENS[is_upper]
        if len(self) >= self._max_entries:
            self.clear()
            self._shared = ({}, {})
        self[raw] = token
        return token


NATIVE = "native"
PYTHON = "python"
NATIVE_MODULE = "enrich.sentiment._vader"
_backend: str | None = None  # the engine of the analyzer created last


def sentiment_backend() -> str:
    """``"native"`` (``enrich.sentiment._vader``) or ``"python"``: what :class:`SentimentAnalyzer` runs."""
    if _backend is None:
        SentimentAnalyzer(text_cache_size=0, token_cache_size=1)
    return _backend if _backend is not None else PYTHON


def _native_engine(lexicon: dict[str, float], emoji: dict[str, str]) -> Callable[[str], Scores] | None:
    """The C engine's ``scores`` built from these tables, or None when it is not built, stale or disabled."""
    from enrich._compiled import native_module

    _vader = native_module(NATIVE_MODULE)
    if _vader is None:
        return None
    try:
        engine = _vader.Analyzer(lexicon, emoji, BOOSTER_DICT, SPECIAL_CASES, NEGATE_WORDS, PUNCTUATION,
                                 C_INCR, N_SCALAR)
    except (TypeError, ValueError) as exc:  # tables it does not support: the Python code scores them
        warnings.warn(f"{NATIVE_MODULE} refuses the VADER tables ({exc}); using the Python analyzer",
                      RuntimeWarning, stacklevel=3)
        return None
    scores: Callable[[str], Scores] = engine.scores
    return scores


_SCORES = attrgetter("scores")
_IS_UPPER = attrgetter("is_upper")
_IS_BUT = attrgetter("is_but")


class SentimentAnalyzer:
    """Drop-in, faster equivalent of ``vaderSentiment.SentimentIntensityAnalyzer`` (3.3.2).

    ``polarity_scores(text)`` returns ``{"neg", "neu", "pos", "compound"}`` equal (``==``) to the
    reference's for every ``str`` input. Instances may be shared between threads: memo races can
    only repeat work.

    Args:
        text_cache_size: LRU size for whole-text results of texts up to ``CACHEABLE_CHARS`` long
            (reposts repeat texts); 0 disables it. None (default): ``DEFAULT_TEXT_CACHE`` for the
            Python engine, 0 for the C engine, which scores a post in about the time a cache miss
            costs.
        token_cache_size: how many distinct raw tokens to memoise before starting afresh (Python
            engine only).
        native: use the C engine when it is usable (False: always this module's Python code).
    """

    name = "vader"
    """Analyzer name recorded in ``schemas.Sentiment.analyzer``."""

    def __init__(self, text_cache_size: int | None = None, token_cache_size: int = 200_000,
                 native: bool = True) -> None:
        global _backend
        self._lexicon = load_lexicon()
        # The reference tests one character at a time, so only single-character keys can match.
        self._emoji_descriptions = {
            emoji: " " + description
            for emoji, description in load_emoji_descriptions().items()
            if len(emoji) == 1
        }
        self._emoji_chars = frozenset(self._emoji_descriptions)
        # Replacing emoji one after another equals the reference's single pass only while no
        # description contains an emoji, and skipping ASCII texts only while no emoji is ASCII.
        if any(self._emoji_chars.intersection(d) for d in self._emoji_descriptions.values()):
            raise ValueError("an emoji description contains an emoji; sequential replacement is unsafe")
        if any(emoji.isascii() for emoji in self._emoji_chars):
            raise ValueError("an ASCII character is an emoji key; the ASCII fast path is unsafe")
        native_engine = _native_engine(self._lexicon, self._emoji_descriptions) if native else None
        self.backend = PYTHON if native_engine is None else NATIVE
        """``"native"`` or ``"python"``: the engine this analyzer scores with."""
        if native:
            _backend = self.backend
        self._tokens = _TokenCache(self._lexicon, max(1, 1 if native_engine is not None else token_cache_size))
        self._engine: Callable[[str], Scores] = self._compute if native_engine is None else native_engine
        if text_cache_size is None:
            text_cache_size = DEFAULT_TEXT_CACHE if native_engine is None else 0
        self._scores: Callable[[str], Scores] = (
            lru_cache(maxsize=text_cache_size)(self._engine) if text_cache_size > 0 else self._engine
        )

    def polarity_scores(self, text: str) -> dict[str, float]:
        """VADER scores of ``text``: ``{"neg", "neu", "pos", "compound"}``, identical to vaderSentiment."""
        neg, neu, pos, compound = self.scores(text)
        return {"neg": neg, "neu": neu, "pos": pos, "compound": compound}

    def scores(self, text: str) -> Scores:
        """The same four numbers as a tuple ``(neg, neu, pos, compound)``, without building a dict."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        # Long texts bypass the cache: they rarely repeat and would make its memory unbounded.
        return (self._scores if len(text) <= CACHEABLE_CHARS else self._engine)(text)

    def _compute(self, text: str) -> Scores:
        if not text.isascii():
            for emoji in self._emoji_chars.intersection(text):
                text = text.replace(emoji, self._emoji_descriptions[emoji])
        raw_tokens = text.split()
        if not raw_tokens:
            return _EMPTY
        tokens = list(map(self._tokens.__getitem__, raw_tokens))
        # The per-token passes run in C (map/compress/sum); only lexicon words reach Python code.
        scored = list(compress(range(len(tokens)), map(_SCORES, tokens)))
        if not scored:
            return _ALL_NEUTRAL
        n = len(tokens)
        cap_diff: bool | None = None  # the reference's is_cap_diff, computed only when a rule needs it
        values: list[float] = []  # the reference's sentiments, minus its zeros for non-lexicon words
        for i in scored:
            token = tokens[i]
            # Common case: no rule can fire for this word or its three predecessors, so the
            # reference's cascade reduces to the ALL-CAPS bonus (it also adds 0.0 up to three
            # times, which changes no non-zero float). Otherwise run the full cascade.
            if (
                token.plain
                and (i < 1 or not tokens[i - 1].modifies)
                and (i < 2 or not tokens[i - 2].modifies)
                and (i < 3 or not tokens[i - 3].modifies)
                and (
                    i < 3
                    or not (token.leads or tokens[i - 1].leads or tokens[i - 2].leads or tokens[i - 3].leads)
                    or tokens[i - 3].valence is not None
                    or not _idiom_possible(tokens, i)
                )
            ):
                valence: float = token.valence  # type: ignore[assignment]  # scored => lexicon word
                if token.is_upper:
                    if cap_diff is None:
                        cap_diff = 0 < n - sum(map(_IS_UPPER, tokens)) < n
                    if cap_diff:
                        if valence > 0:
                            valence += C_INCR
                        else:
                            valence -= C_INCR
                values.append(valence)
            else:
                if cap_diff is None:
                    cap_diff = 0 < n - sum(map(_IS_UPPER, tokens)) < n
                values.append(_valence(tokens, i, cap_diff))
        if any(map(_IS_BUT, tokens)):
            _but_check(tokens, values, scored)
        return _score_valence(values, n, text)


def _valence(tokens: list[Token], i: int, cap_diff: bool) -> float:
    """The reference's ``sentiment_valence`` (plus its "kind of" skip) for the lexicon word at ``i``.

    ``SentimentAnalyzer._compute`` handles the common case where no neighbour rule can fire.
    """
    token = tokens[i]
    valence: float = token.valence  # type: ignore[assignment]  # only called for lexicon words
    t1 = tokens[i - 1] if i > 0 else token
    t2 = tokens[i - 2] if i > 1 else token
    t3 = tokens[i - 3] if i > 2 else token
    n = len(tokens)
    lower = token.lower
    if lower == "kind" and i < n - 1 and tokens[i + 1].lower == "of":
        return 0
    base = valence
    l1 = t1.lower if i > 0 else ""
    l2 = t2.lower if i > 1 else ""
    l3 = t3.lower if i > 2 else ""

    if lower == "no" and i != n - 1 and tokens[i + 1].valence is not None:
        valence = 0.0
    if (i > 0 and l1 == "no") or (i > 1 and l2 == "no") or (i > 2 and l3 == "no" and l1 in _OR_NOR):
        valence = base * N_SCALAR

    if token.is_upper and cap_diff:
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR

    for start_i, prev in ((0, t1), (1, t2), (2, t3)):
        if i <= start_i:
            break
        if prev.valence is not None:
            continue
        scalar = 0.0
        if prev.booster is not None:
            scalar = prev.booster
            if valence < 0:
                scalar *= -1
            if prev.is_upper and cap_diff:
                if valence > 0:
                    scalar += C_INCR
                else:
                    scalar -= C_INCR
        if start_i == 1 and scalar != 0:
            scalar = scalar * 0.95
        if start_i == 2 and scalar != 0:
            scalar = scalar * 0.9
        valence = valence + scalar

        if start_i == 0:
            if prev.negates:
                valence = valence * N_SCALAR
        elif start_i == 1:
            if l2 == "never" and (l1 == "so" or l1 == "this"):
                valence = valence * 1.25
            elif l2 == "without" and l1 == "doubt":
                pass
            elif prev.negates:
                valence = valence * N_SCALAR
        else:
            # The reference's operator precedence: (never and so/this) or (so/this).
            if l3 == "never" and (l2 in _SO_THIS) or (l1 in _SO_THIS):
                valence = valence * 1.25
            elif l3 == "without" and (l2 == "doubt" or l1 == "doubt"):
                pass
            elif prev.negates:
                valence = valence * N_SCALAR
            if _idiom_possible(tokens, i):
                valence = _special_idioms(valence, tokens, i)

    if i > 1 and t1.valence is None and l1 == "least":
        if l2 != "at" and l2 != "very":
            valence = valence * N_SCALAR
    elif i > 0 and t1.valence is None and l1 == "least":
        valence = valence * N_SCALAR
    return valence


def _idiom_possible(tokens: list[Token], i: int) -> bool:
    """False when no n-gram that ``_special_idioms`` builds around ``i`` (> 2) can be a known key."""
    return (
        tokens[i].lower in tokens[i - 1].followers
        or tokens[i - 1].lower in tokens[i - 2].followers
        or tokens[i - 2].lower in tokens[i - 3].followers
        or (i + 1 < len(tokens) and tokens[i + 1].lower in tokens[i].followers)
    )


def _special_idioms(valence: float, tokens: list[Token], i: int) -> float:
    """The reference's ``_special_idioms_check`` (only called with i > 2)."""
    l0, l1, l2, l3 = tokens[i].lower, tokens[i - 1].lower, tokens[i - 2].lower, tokens[i - 3].lower
    onezero = f"{l1} {l0}"
    twoonezero = f"{l2} {l1} {l0}"
    twoone = f"{l2} {l1}"
    threetwoone = f"{l3} {l2} {l1}"
    threetwo = f"{l3} {l2}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(tokens)
    if n - 1 > i:
        zeroone = f"{l0} {tokens[i + 1].lower}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{l0} {tokens[i + 1].lower} {tokens[i + 2].lower}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _but_check(tokens: list[Token], values: list[float], scored: list[int]) -> None:
    """Replay the reference's ``_but_check`` quirk on ``values`` (the scores at ``scored``), in place.

    The reference rescales ``sentiments[sentiments.index(s)]`` -- the *first* equal score, not
    the current one -- so repeated scores get rescaled more than once. The zeros it holds for
    non-lexicon words do not change that for non-zero scores (a non-zero never equals a zero),
    and rescaling a zero only flips its sign, which sums and counts cannot see.
    """
    bi = list(map(_IS_BUT, tokens)).index(True)
    for pos in range(len(values)):
        # Rescales only touch slots at or before the one being visited, so values[pos] is
        # still the original score here, just as in the reference's loop.
        value = values[pos]
        j = values.index(value)
        if scored[j] < bi:
            values[j] = value * 0.5
        elif scored[j] > bi:
            values[j] = value * 1.5


def _score_valence(values: list[float], n: int, text: str) -> Scores:
    """The reference's ``score_valence`` with its helpers inlined.

    ``values`` are the scores of lexicon words in text order; the reference's other ``n -
    len(values)`` scores are zeros, which change neither a sum nor anything but the neutral count.
    """
    sum_s = float(sum(values))

    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    qm_count = text.count("?")
    qm_amplifier = 0.0  # the reference starts from int 0; x + 0 == x + 0.0 for every float x
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    punct_emph_amplifier = ep_count * 0.292 + qm_amplifier

    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    compound = sum_s / math.sqrt((sum_s * sum_s) + 15)
    if compound < -1.0:
        compound = -1.0
    elif compound > 1.0:
        compound = 1.0

    pos_sum = 0.0
    neg_sum = 0.0
    neu_count = n
    for score in values:
        if score > 0:
            pos_sum += float(score) + 1
            neu_count -= 1
        elif score < 0:
            neg_sum += float(score) - 1
            neu_count -= 1

    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier

    total = pos_sum + math.fabs(neg_sum) + neu_count
    return (
        round_proportion(math.fabs(neg_sum / total)),
        round_proportion(math.fabs(neu_count / total)),
        round_proportion(math.fabs(pos_sum / total)),
        round_half_even(compound, 10000.0, 4),
    )


def round_proportion(x: float) -> float:
    """``round(x, 3)`` for ``0 <= x <= 1`` (not -0.0): ``round_half_even`` without the sign handling."""
    scaled = x * 1000.0
    whole = scaled // 1.0
    fraction = scaled - whole
    if fraction < 0.499999999:
        return whole / 1000.0
    if fraction > 0.500000001:
        return (whole + 1.0) / 1000.0
    return round(x, 3)


def round_half_even(x: float, scale: float, ndigits: int) -> float:
    """``round(x, ndigits)`` (``scale == 10.0 ** ndigits``), bit for bit, without its decimal conversion.

    Python's ``round`` rounds the exact binary value of ``x`` to ``ndigits`` decimals (ties to
    even) and returns the double nearest that decimal. Here ``x * scale`` is off from the exact
    product by at most half an ulp (< 1e-11 while ``|x| < 16``), so unless its fraction is within 1e-9 of
    one half, its floor or ceiling is that same decimal; dividing the integer by ``scale`` is
    then one correctly rounded IEEE division, i.e. the nearest double. Anything close to a tie,
    large or not finite goes to ``round`` itself.
    """
    magnitude = x if x >= 0.0 else -x
    if magnitude < 16.0:
        scaled = magnitude * scale
        whole = scaled // 1.0
        fraction = scaled - whole
        if fraction < 0.499999999:
            return math.copysign(whole / scale, x)
        if fraction > 0.500000001:
            return math.copysign((whole + 1.0) / scale, x)
    return round(x, ndigits)

"""Benchmark: enrich.sentiment.SentimentAnalyzer vs the reference vaderSentiment 3.3.2.

Both analyzers score the same synthetic social-media posts (fixed seed, varied length, emoji,
ALL CAPS, negations, "but", hashtags, links) in the same run. Every post is distinct, and every
timed chunk is new to both analyzers, so the whole-text cache never hits in the headline
figure; the cached figure is reported separately. Figures are medians over repetitions.

Run: ``.venv/bin/python bench/bench_sentiment.py [--quick]``
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

from enrich.sentiment import SentimentAnalyzer

SEED = 20240611
_BATCH = 20

_COMMON = (
    "the a an to and of in on at for with from by is was are were be been it this that these those "
    "i you he she we they me my your our their his her its just now today tonight tomorrow yesterday "
    "new update order delivery app phone store service team price support account shipping box "
    "week day time people guys anyone everyone someone thing stuff way again still really get got "
    "going went came come see saw know think thought want need use used try tried make made say "
    "said one two three first last next after before about like than then there here when what "
    "why how who which if or as up out over off down all some any more every other same only also"
).split()
_SENTIMENT = (
    "love loved great good amazing awesome best happy excellent nice fantastic perfect fun cool "
    "thanks thank glad wonderful beautiful brilliant recommend win fast easy helpful smooth "
    "hate hated bad worst terrible awful horrible broken slow angry sad disappointed annoying "
    "problem issue fail failed useless poor scam waste sucks ugly rude crash wrong lost late"
).split()
_BRANDS = ["Acme", "AcmePhone", "Zentro", "NovaBank", "Flyto", "QuickCart", "Streamly", "Bolt"]
_EMOTICONS = [":)", ":(", ":D", ";)", ":/", "<3", ":-(", ":P", "xD"]
_ENDINGS = ["", "", "", ".", "!", "!!", "!!!", "?", "??", "...", "?!", "!!!!!!"]
_EMOJI = [
    "😀",
    "😂",
    "😍",
    "😡",
    "😭",
    "👍",
    "👎",
    "🔥",
    "💯",
    "🙏",
    "❤",
    "❤️",
    "💔",
    "😊",
    "🤔",
    "😤",
    "🙄",
    "🎉",
    "✨",
    "👏",
    "😩",
    "🤬",
    "💀",
    "👍🏽",
    "🇺🇸",
]
_NEGATIONS: list[str] = [
    w for w in NEGATE if "'" in w or w in {"not", "never", "no", "nothing", "without"}
] + ["no"]
_BOOSTERS: list[str] = [w for w in BOOSTER_DICT if " " not in w]


def _word(rng: random.Random, lexicon: Sequence[str]) -> str:
    r = rng.random()
    if r < 0.58:
        return rng.choice(_COMMON)
    if r < 0.72:
        return rng.choice(_SENTIMENT)
    if r < 0.76:
        return rng.choice(lexicon)
    if r < 0.81:
        return rng.choice(_BOOSTERS)
    if r < 0.85:
        return rng.choice(_NEGATIONS)
    if r < 0.87:
        return "but"
    if r < 0.91:
        return rng.choice(_BRANDS)
    if r < 0.93:
        return f"@{rng.choice(_COMMON)}{rng.randint(1, 9999)}"
    if r < 0.95:
        return f"#{rng.choice(_BRANDS).lower()}{rng.choice(['fail', 'love', 'news', ''])}"
    if r < 0.97:
        return str(rng.randint(1, 500))
    if r < 0.985:
        return rng.choice(_EMOJI)
    return rng.choice(_EMOTICONS)


def _post(rng: random.Random, lexicon: Sequence[str], short_only: bool) -> str:
    r = rng.random()
    if short_only or r < 0.35:
        n = rng.randint(3, 12)
    elif r < 0.85:
        n = rng.randint(12, 45)
    elif r < 0.99:
        n = rng.randint(45, 120)
    else:
        n = rng.randint(150, 300)  # the odd long review / forum post
    words = [_word(rng, lexicon) for _ in range(n)]
    if rng.random() < 0.15:  # shouting one or two words
        for _ in range(rng.randint(1, 2)):
            k = rng.randrange(n)
            words[k] = words[k].upper()
    if rng.random() < 0.03:
        words = [w.upper() for w in words]
    if rng.random() < 0.2:
        words[0] = words[0].capitalize()
    text = " ".join(words) + rng.choice(_ENDINGS)
    if rng.random() < 0.25:
        text += " " + "".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.1:
        text += f" https://t.co/{rng.randrange(16**10):010x}"
    return text


def make_posts(
    count: int, seed: int = SEED, short_only: bool = False, exclude: set[str] | None = None
) -> list[str]:
    """``count`` distinct synthetic posts (none of them in ``exclude``), reproducible from ``seed``."""
    rng = random.Random(seed)
    lexicon = sorted(SentimentIntensityAnalyzer().lexicon)
    seen = set(exclude or ())
    posts: list[str] = []
    while len(posts) < count:
        post = _post(rng, lexicon, short_only)
        if post not in seen:
            seen.add(post)
            posts.append(post)
    return posts


def _rate(score: Callable[[str], object], posts: Sequence[str]) -> float:
    start = time.perf_counter()
    for post in posts:
        score(post)
    return len(posts) / (time.perf_counter() - start)


def _compare(
    reference: Callable[[str], object], ours: Callable[[str], object], chunks: list[list[str]]
) -> tuple[float, float, float]:
    """Median reference rate, our rate and per-chunk ratio.

    Within a chunk both analyzers alternate on small batches of the same posts, so load from
    other processes on a shared machine hits both alike instead of skewing the ratio.
    """
    ref_rates, our_rates, ratios = [], [], []
    for chunk in chunks:
        ref_time = our_time = 0.0
        for k in range(0, len(chunk), _BATCH):
            batch = chunk[k : k + _BATCH]
            for name, score in (("ref", reference), ("ours", ours))[:: 1 if k % (2 * _BATCH) else -1]:
                start = time.perf_counter()
                for post in batch:
                    score(post)
                elapsed = time.perf_counter() - start
                if name == "ref":
                    ref_time += elapsed
                else:
                    our_time += elapsed
        ref_rates.append(len(chunk) / ref_time)
        our_rates.append(len(chunk) / our_time)
        ratios.append(ref_time / our_time)
    return statistics.median(ref_rates), statistics.median(our_rates), statistics.median(ratios)


def run(quick: bool = False) -> dict[str, dict[str, float | str]]:
    """Time reference vs ours on distinct posts; return the figures and print a table."""
    chunk_size, repetitions = (500, 3) if quick else (2000, 5)
    reference = SentimentIntensityAnalyzer().polarity_scores
    analyzer = SentimentAnalyzer()
    ours = analyzer.polarity_scores

    all_posts = make_posts(chunk_size * (repetitions + 2))
    warmup, cold, chunks = (
        all_posts[:chunk_size],
        all_posts[chunk_size : 2 * chunk_size],
        [all_posts[(k + 2) * chunk_size : (k + 3) * chunk_size] for k in range(repetitions)],
    )
    # Start-up cost (empty token memo), measured once on posts neither analyzer has seen.
    cold_rate = _rate(SentimentAnalyzer().polarity_scores, cold)
    for post in warmup:  # steady state: a long-running worker has seen the common words
        reference(post)
        ours(post)
    ref_rate, our_rate, ratio = _compare(reference, ours, chunks)

    short_posts = make_posts(chunk_size * repetitions, seed=SEED + 1, short_only=True, exclude=set(all_posts))
    short_chunks = [short_posts[k * chunk_size : (k + 1) * chunk_size] for k in range(repetitions)]
    ref_short_rate, short_rate, short_ratio = _compare(reference, ours, short_chunks)

    cached_rate = statistics.median(_rate(ours, chunks[-1]) for _ in range(repetitions))  # all repeats

    figures: dict[str, dict[str, float | str]] = {
        "vader_speed_ratio": {"value": round(ratio, 2), "unit": "x"},
        "vader_ref_posts_per_s": {"value": round(ref_rate), "unit": "posts/s"},
        "sentiment_posts_per_s": {"value": round(our_rate), "unit": "posts/s"},
        "vader_speed_ratio_short_posts": {"value": round(short_ratio, 2), "unit": "x"},
        "vader_ref_short_posts_per_s": {"value": round(ref_short_rate), "unit": "posts/s"},
        "sentiment_short_posts_per_s": {"value": round(short_rate), "unit": "posts/s"},
        "sentiment_cold_posts_per_s": {"value": round(cold_rate), "unit": "posts/s"},
        "sentiment_cached_posts_per_s": {"value": round(cached_rate), "unit": "posts/s"},
    }
    import enrich
    from enrich.sentiment import sentiment_backend

    compiled = "compiled (mypyc)" if enrich.compiled() else "pure Python"
    print(f"sentiment benchmark: {repetitions} x {chunk_size} distinct posts per figure (median), ours {compiled}, "
          f"engine: {sentiment_backend()}")
    for name, figure in figures.items():
        print(f"  {name:<32} {figure['value']:>12} {figure['unit']}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])

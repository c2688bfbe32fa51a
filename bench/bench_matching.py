"""Watchlist matching throughput: posts/s on one core for 100, 1,000 and 10,000 topics, plus memory.

Topics are half term lists, half Boolean queries (phrases, OR groups, NOT, NEAR, wildcards, hashtags,
a few field conditions) over synthetic brand names; posts are short social posts in several languages,
about one in five mentioning a watched brand. Throughput is the median over repetitions of CPU
time (``time.process_time``) per pass, single thread; memory is what a matcher holds (Python objects and
the Aho-Corasick automaton), measured with tracemalloc. Run: ``python -m bench.bench_matching [--quick]``.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from typing import Any

from enrich.matching import WatchlistMatcher
from enrich.matching.watchlist import Topic, TopicGroup, Watchlist

_SYLLABLES = ("ka lo ri ven tas mor qui zel bra nov tek lux fen dor ami sol vin ter pax cor ela zin rho "
              "mex vul tro ban kel sun lyn ost gra pel").split()
_SUFFIXES = ["", " coffee", " labs", " motors", " bank", " air", " foods", " mobile", " beauty", " games"]
_CONTEXT = ("launch review price deal recall outage strike lawsuit ceo ad campaign sale discount app update "
            "store delivery service support refund").split()
_EXCLUDES = ("job hiring pie recipe lottery giveaway crypto porn").split()
_WORDS = ("i just got the new one and honestly it is way better than i expected but the price is a bit much "
          "anyone else having trouble with their order today my friend said this place is great we went "
          "there last week love it so much never again worst service ever can not believe how fast this "
          "shipped thanks for the quick help what do you think about the update it broke everything lol "
          "morning coffee weekend vibes traffic was terrible today meeting ran late again").split()
_FOREIGN = ["今日はとても良い天気ですね", "오늘 날씨가 정말 좋네요", "我今天很开心", "café très sympa à Paris",
            "¿dónde está la estación?", "Straße gesperrt wegen Bauarbeiten"]
_EMOJI = ["😂", "🔥", "❤️", "👍", "🚗", "☕"]


def _names(n: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3))))
        names.add((word + rng.choice(_SUFFIXES)).strip())
    return sorted(names)


def make_watchlist(n: int, seed: int = 7) -> Watchlist:
    """``n`` topics, half term lists and half Boolean queries."""
    rng = random.Random(seed)
    names = _names(n, rng)
    topics = []
    for i, name in enumerate(names):
        compact = name.replace(" ", "")
        group: TopicGroup = rng.choice(("brand", "competitor", "product", "campaign", "industry"))
        if i % 2 == 0:
            topics.append(Topic(id=f"t{i}", name=name, group=group, terms=[name, compact],
                                hashtags=[f"#{compact}"], handles=[f"@{compact}"],
                                exclude=rng.sample(_EXCLUDES, 2) if i % 4 == 0 else []))
            continue
        first = name.split()[0]
        kind = i % 10
        if i == 1:  # two metadata-only topics: one without any prefilter anchor, one anchored on lang
            query = "authorVerified:true AND authorFollowers:[1000000 TO *] <<<big accounts>>>"
        elif i == 3:
            query = "lang:ko AND authorFollowers:[5000 TO *]"
        elif kind == 1:
            query = f'("{name}" OR {compact} OR #{compact}) NOT ({" OR ".join(rng.sample(_EXCLUDES, 3))})'
        elif kind == 3:
            query = f'({first} OR #{compact}) AND ({" OR ".join(rng.sample(_CONTEXT, 4))})'
        elif kind == 5:
            query = f'{first} NEAR/3 ({" OR ".join(rng.sample(_CONTEXT, 3))}) AND NOT {rng.choice(_EXCLUDES)}'
        elif kind == 7:
            query = f'({compact[:5]}* OR "{first} {rng.choice(_CONTEXT)}"~3) AND (lang:en OR lang:ja)'
        else:
            query = f'("{name}" OR @{compact}) AND authorFollowers:[100 TO *] <<<reach filter>>>'
        topics.append(Topic(id=f"t{i}", name=name, group=group, query=query))
    return Watchlist(topics=topics)


def make_posts(watchlist: Watchlist, n: int, seed: int = 11) -> list[tuple[str, dict[str, Any]]]:
    """Short posts; about one in five mentions a watched name (sometimes as hashtag or handle)."""
    rng = random.Random(seed)
    names = [t.name for t in watchlist.topics]
    posts = []
    for i in range(n):
        words = rng.sample(_WORDS, rng.randint(8, 30))
        if rng.random() < 0.2:
            name = rng.choice(names)
            form = rng.choice((name, name.title(), "#" + name.replace(" ", ""), "@" + name.replace(" ", "")))
            words.insert(rng.randrange(len(words)), form)
            words.insert(rng.randrange(len(words)), rng.choice(_CONTEXT))
        if rng.random() < 0.15:
            words.append(rng.choice(_FOREIGN))
        if rng.random() < 0.3:
            words.append(rng.choice(_EMOJI))
        if rng.random() < 0.2:
            words.append(f"https://t.co/{rng.randrange(10**8):x}")
        text = " ".join(words)
        fields = {"platform": "x", "lang": rng.choice(("en", "en", "ja", "ko")), "author": f"user{i}",
                  "authorFollowers": rng.randrange(10_000), "authorVerified": rng.random() < 0.05}
        posts.append((text, fields))
    return posts


def _matcher_mb(watchlist: Watchlist) -> float:
    """Memory held by a matcher (automaton included), from a separate build traced by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        matcher = WatchlistMatcher(watchlist)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del matcher
    return held / 2**20


def _throughput(matcher: WatchlistMatcher, posts: list[tuple[str, dict[str, Any]]], reps: int) -> float:
    # CPU time of this process: the figure is per core, and other load on a shared machine is not ours.
    rates = []
    for _ in range(reps):
        start = time.process_time()
        for text, fields in posts:
            matcher.match(text, fields)
        rates.append(len(posts) / (time.process_time() - start))
    return statistics.median(rates)


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    """Measure and print the figures; ``quick`` uses fewer posts and repetitions (< ~20 s)."""
    n_posts, reps = (2_000, 3) if quick else (20_000, 5)
    results: dict[str, dict[str, Any]] = {}
    rows = []
    warm = make_watchlist(50, seed=1)
    warm_matcher = WatchlistMatcher(warm)
    for text, fields in make_posts(warm, 2_000, seed=2):  # fill the process-wide folding caches
        warm_matcher.match(text, fields)
    for n_topics in (100, 1_000, 10_000):
        watchlist = make_watchlist(n_topics)
        posts = make_posts(watchlist, n_posts)
        gc.collect()
        start = time.process_time()
        matcher = WatchlistMatcher(watchlist)
        build_s = time.process_time() - start
        memory = _matcher_mb(watchlist)
        for text, fields in posts:  # warm the per-character and per-value caches
            matcher.match(text, fields)
        rate = _throughput(matcher, posts, reps)
        matched = sum(1 for text, fields in posts if matcher.match_ids(text, fields))
        stats = matcher.stats
        results[f"match_posts_per_s_{n_topics}"] = {"value": round(rate), "unit": "posts/s"}
        results[f"match_memory_mb_{n_topics}"] = {"value": round(memory, 1), "unit": "MB"}
        results[f"match_build_s_{n_topics}"] = {"value": round(build_s, 3), "unit": "s"}
        results[f"match_always_evaluated_{n_topics}"] = {"value": stats["always_evaluated"], "unit": "topics"}
        rows.append((n_topics, rate, 1e6 / rate, memory, build_s, stats["always_evaluated"],
                     stats["automaton_keys"], matched / len(posts)))
    print(f"{'topics':>7} {'posts/s':>10} {'us/post':>8} {'mem MB':>7} {'build s':>8} {'always':>7} "
          f"{'AC keys':>8} {'matched':>8}")
    for n, rate, us, mem, build, always, keys, share in rows:
        print(f"{n:>7} {rate:>10,.0f} {us:>8.1f} {mem:>7.1f} {build:>8.2f} {always:>7} {keys:>8} {share:>8.1%}")
    return results


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)

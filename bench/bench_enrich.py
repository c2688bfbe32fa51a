"""The whole enrich step against reference vaderSentiment alone, same posts, same run.

Posts: the bundled sample mentions with *distinct* texts (realistic; English, Korean, some Japanese
and Spanish), so no text-level cache can help either side. Watchlist: the sample brands plus 1,000
synthetic topics (half term lists, half Boolean queries, from bench_matching). Ours = redaction +
language + matching (with the mention's metadata fields) + sentiment + intents + priority + building
the EnrichedMention, for each mention; reference = ``SentimentIntensityAnalyzer().polarity_scores``.

Every pass builds fresh analyzers (reference, enricher, sentiment), so every post is new to all of
them, and then freezes the heap out of the garbage collector as a worker does once it has started
(``pipeline.heap.freeze_heap``; process-wide, so the reference runs under the same collector). Each
variant gets its own pass, alternating chunks of ``CHUNK`` posts (the worker's default envelope size,
``EARSHOT_ENVELOPE_MAX_MENTIONS``) with the reference so machine load hits both alike; CPU time of the
process (``time.process_time``); each ratio is the median over reps of reference time / our time in
the same pass. Figures:

* ``enrich_vs_vader_ratio`` (headline): the enrich step as the worker runs it, ``Enricher.enrich_many``
  over each envelope's mentions, with the sample's language tags removed, so language detection runs
  on every post;
* ``enrich_single_vs_vader_ratio``: ``Enricher.enrich`` one mention at a time (the worker's fallback
  when a batch fails; the headline of the first three sessions);
* ``enrich_tagged_vs_vader_ratio``: ``enrich_many`` with the sample's own tags (the default detector
  still runs fastText and only defers to a tag when unsure);
* ``enrich_trust_hint_vs_vader_ratio``: with the tags and ``LanguageConfig(trust_hint=True)``;
* ``enrich_sample_vader_speed_ratio``: our sentiment analyzer alone over the reference alone;
* ``enrich_us_<component>``: µs per post of each component run alone over the posts (untagged).
  Their sum is below ``enrich_us_total``: inside the pipeline the components evict each other's
  tables from the CPU cache (fastText suffers most).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_matching import make_watchlist
from pipeline.heap import freeze_heap
from schemas import RawMention

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 200  # = the default EARSHOT_ENVELOPE_MAX_MENTIONS: the worker calls enrich_many once per envelope
N_TOPICS = 1000


def load_watchlist(n_topics: int = N_TOPICS) -> Any:
    from enrich.matching import parse_watchlist
    from enrich.matching.watchlist import Watchlist

    sample = parse_watchlist((ROOT / "config" / "watchlist.yaml").read_text(), "config/watchlist.yaml")
    synthetic = make_watchlist(n_topics)
    return Watchlist(topics=[*sample.topics, *synthetic.topics])


def build_enricher(n_topics: int = N_TOPICS, watchlist: Any = None, trust_hint: bool = False) -> Any:
    """A fresh Enricher (every analyzer and cache new); ``watchlist`` is configuration and may be reused."""
    from enrich.enricher import Enricher
    from enrich.intent import IntentTagger
    from enrich.language import LanguageConfig, LanguageDetector
    from enrich.matching import WatchlistMatcher, fields_for
    from enrich.multilingual import SentimentRouter
    from enrich.priority import Prioritizer, PriorityConfig
    from enrich.privacy import PrivacyConfig, Redactor

    if watchlist is None:
        watchlist = load_watchlist(n_topics)
    matcher = WatchlistMatcher(watchlist)
    return Enricher(matcher=matcher, scorer=SentimentRouter(),
                    detector=LanguageDetector(LanguageConfig(trust_hint=trust_hint)),
                    tagger=IntentTagger.default(), prioritizer=Prioritizer(PriorityConfig()),
                    redactor=Redactor(PrivacyConfig()), fields=fields_for(matcher.field_names))


def load_posts() -> list[RawMention]:
    lines = (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()
    return [RawMention.model_validate_json(line) for line in lines if line.strip()]


def distinct_posts(posts: Sequence[RawMention], limit: int | None = None) -> list[RawMention]:
    """The posts whose text was not seen before (reposts dropped), in order, at most ``limit``."""
    seen: set[str] = set()
    out: list[RawMention] = []
    for post in posts:
        if post.text not in seen:
            seen.add(post.text)
            out.append(post)
            if limit is not None and len(out) == limit:
                break
    return out


def _per_post_us(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
    t = time.process_time()
    for item in items:
        fn(item)
    return (time.process_time() - t) / len(items) * 1e6


def components(posts: Sequence[RawMention], watchlist: Any) -> dict[str, float]:
    """µs per post of each component alone (a fresh enricher; its inputs precomputed)."""
    e = build_enricher(watchlist=watchlist)
    texts = [e.redactor.redact(p.text) for p in posts]
    e = build_enricher(watchlist=watchlist)
    freeze_heap("bench components")
    idx = range(len(posts))
    out = {"redact": _per_post_us(lambda p: e.redactor.redact(p.text), posts)}
    langs: list[str] = []
    out["language"] = _per_post_us(lambda i: langs.append(e.detector.detect(texts[i], posts[i].lang).lang), idx)
    fields: list[dict[str, Any]] = []
    out["fields"] = _per_post_us(lambda i: fields.append(e.fields(posts[i], langs[i])), idx)
    out["match"] = _per_post_us(lambda i: e.matcher.match(texts[i], fields[i]), idx)
    sentiments: list[Any] = []
    out["sentiment"] = _per_post_us(lambda i: sentiments.append(e.scorer.score(texts[i], langs[i])), idx)
    intents: list[list[str]] = []
    out["intent"] = _per_post_us(lambda i: intents.append(e.tagger.tag(texts[i], langs[i])), idx)
    out["priority"] = _per_post_us(
        lambda i: e.prioritizer.decide(intents[i], sentiments[i], posts[i].author.followers, posts[i].engagement),
        idx)
    return out


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from enrich.sentiment import SentimentAnalyzer

    reps = 3 if quick else 9  # the machine is noisy: single passes vary by up to 2x
    tagged = distinct_posts(load_posts(), 1000 if quick else None)
    untagged = [p.model_copy(update={"lang": None}) for p in tagged]
    texts = [p.text for p in tagged]
    watchlist = load_watchlist()
    now = datetime.now(UTC)
    names = ("enrich", "single", "tagged", "trust_hint", "sentiment")
    rates: dict[str, list[float]] = {name: [] for name in ("reference", *names)}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    parts: dict[str, list[float]] = {}

    def make(name: str) -> Callable[[int], object]:
        """One chunk of variant ``name``, with analyzers built fresh for this pass."""
        if name == "sentiment":
            analyzer = SentimentAnalyzer()
            return lambda i: [analyzer.polarity_scores(text) for text in texts[i:i + CHUNK]]
        enricher = build_enricher(watchlist=watchlist, trust_hint=name == "trust_hint")
        if name == "single":
            return lambda i: [enricher.enrich(m, now) for m in untagged[i:i + CHUNK]]
        posts = tagged if name in ("tagged", "trust_hint") else untagged
        return lambda i: enricher.enrich_many(posts[i:i + CHUNK], now)

    for _ in range(reps):
        # One pass per variant, alternating chunks with a fresh reference: only the two compared
        # analyzers share the CPU caches, as in a worker running one of them.
        for name in names:
            reference, ours = SentimentIntensityAnalyzer(), make(name)
            freeze_heap(f"bench pass {name}")
            t_ref = t_ours = 0.0
            for i in range(0, len(texts), CHUNK):
                t = time.process_time()
                for text in texts[i:i + CHUNK]:
                    reference.polarity_scores(text)
                t_ref += time.process_time() - t
                t = time.process_time()
                ours(i)
                t_ours += time.process_time() - t
            rates["reference"].append(len(texts) / t_ref)
            rates[name].append(len(texts) / t_ours)
            ratios[name].append(t_ref / t_ours)
        for name, us in components(untagged, watchlist).items():
            parts.setdefault(name, []).append(us)
    rate = {name: statistics.median(r) for name, r in rates.items()}
    ratio = {name: statistics.median(r) for name, r in ratios.items()}
    part = {name: statistics.median(us) for name, us in parts.items()}
    ref = rate["reference"]
    total_us = 1e6 / rate["enrich"]
    import enrich

    state = "compiled (mypyc)" if enrich.compiled() else f"pure Python ({enrich.fallback_reason() or 'not built'})"
    from enrich.language import language_backend
    from enrich.sentiment import sentiment_backend

    print(f"  enrich/ hot modules: {state}; language id engine: {language_backend()}; "
          f"sentiment engine: {sentiment_backend()}")
    print(f"  posts: {len(tagged)} sample mentions with distinct texts, watchlist: 11 sample + {N_TOPICS:,} "
          f"synthetic topics, reps: {reps} (CPU time, medians)")
    print(f"  reference vaderSentiment alone:        {ref:10,.0f} posts/s  ({1e6 / ref:5.1f} µs/post)")
    labels = {"sentiment": "our sentiment alone:", "enrich": f"enrich_many ({CHUNK}), lang tags removed:",
              "single": "  same, enrich() one at a time:", "tagged": "enrich_many, sample's lang tags:",
              "trust_hint": "  same, trust_hint=True:"}
    for name, label in labels.items():
        print(f"  {label:37s} {rate[name]:10,.0f} posts/s  ({1e6 / rate[name]:5.1f} µs/post, "
              f"{ratio[name]:.3f}x the reference alone)")
    print("  components alone, µs/post: " + ", ".join(f"{k} {v:.1f}" for k, v in part.items())
          + f"; sum {sum(part.values()):.1f} vs {total_us:.1f} in enrich()")
    figures: dict[str, dict[str, Any]] = {
        "enrich_vs_vader_ratio": {"value": round(ratio["enrich"], 3), "unit": "x"},
        "enrich_single_vs_vader_ratio": {"value": round(ratio["single"], 3), "unit": "x"},
        "enrich_tagged_vs_vader_ratio": {"value": round(ratio["tagged"], 3), "unit": "x"},
        "enrich_trust_hint_vs_vader_ratio": {"value": round(ratio["trust_hint"], 3), "unit": "x"},
        "enrich_sample_vader_speed_ratio": {"value": round(ratio["sentiment"], 2), "unit": "x"},
        "enrich_posts_per_s": {"value": round(rate["enrich"], 1), "unit": "posts/s"},
        "enrich_single_posts_per_s": {"value": round(rate["single"], 1), "unit": "posts/s"},
        "enrich_sample_vader_ref_posts_per_s": {"value": round(ref, 1), "unit": "posts/s"},
        "enrich_us_total": {"value": round(total_us, 1), "unit": "µs/post"},
        "enrich_compiled": {"value": 1 if enrich.compiled() else 0, "unit": "bool"},
        "enrich_lid_native": {"value": 1 if language_backend() == "native" else 0, "unit": "bool"},
        "enrich_vader_native": {"value": 1 if sentiment_backend() == "native" else 0, "unit": "bool"},
    }
    for name, us in part.items():
        figures[f"enrich_us_{name}"] = {"value": round(us, 1), "unit": "µs/post"}
    return figures


if __name__ == "__main__":
    run(quick=True)

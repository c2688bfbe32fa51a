"""The whole enrich step against reference vaderSentiment alone, same posts, same run.

Posts: the bundled sample mentions (realistic, distinct texts; English, Korean, some Japanese and
Spanish). Watchlist: the sample brands plus 1,000 synthetic topics (half term lists, half Boolean
queries, from bench_matching). Ours = redaction + language + matching + sentiment + intents +
priority for each mention; reference = ``SentimentIntensityAnalyzer().polarity_scores(text)``.
The two alternate over chunks of 50 posts so machine load hits both alike; medians of the reps.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_matching import make_watchlist
from schemas import RawMention

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 50


def build_enricher(n_topics: int) -> Any:
    from enrich.enricher import Enricher
    from enrich.intent import IntentTagger
    from enrich.language import LanguageDetector
    from enrich.matching import WatchlistMatcher, mention_fields, parse_watchlist
    from enrich.matching.watchlist import Watchlist
    from enrich.multilingual import SentimentRouter
    from enrich.priority import Prioritizer, PriorityConfig
    from enrich.privacy import PrivacyConfig, Redactor

    sample = parse_watchlist((ROOT / "config" / "watchlist.yaml").read_text(), "config/watchlist.yaml")
    synthetic = make_watchlist(n_topics)
    watchlist = Watchlist(topics=[*sample.topics, *synthetic.topics])
    return Enricher(matcher=WatchlistMatcher(watchlist), scorer=SentimentRouter(), detector=LanguageDetector(),
                    tagger=IntentTagger.default(), prioritizer=Prioritizer(PriorityConfig()),
                    redactor=Redactor(PrivacyConfig()), fields=mention_fields)


def load_posts() -> list[RawMention]:
    lines = (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()
    return [RawMention.model_validate_json(line) for line in lines if line.strip()]


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    reps = 1 if quick else 5
    posts = load_posts()
    if quick:
        posts = posts[:1000]
    texts = [p.text for p in posts]
    now = datetime.now(UTC)
    ref_rates, ours_rates, sent_rates = [], [], []
    for _ in range(reps):
        reference = SentimentIntensityAnalyzer()
        enricher = build_enricher(1000)  # fresh caches every rep: every post is new to both
        from enrich.sentiment import SentimentAnalyzer

        sentiment = SentimentAnalyzer()
        t_ref = t_ours = t_sent = 0.0
        for i in range(0, len(posts), CHUNK):
            chunk, chunk_texts = posts[i:i + CHUNK], texts[i:i + CHUNK]
            t = time.perf_counter()
            for text in chunk_texts:
                reference.polarity_scores(text)
            t_ref += time.perf_counter() - t
            t = time.perf_counter()
            for m in chunk:
                enricher.enrich(m, now)
            t_ours += time.perf_counter() - t
            t = time.perf_counter()
            for text in chunk_texts:
                sentiment.polarity_scores(text)
            t_sent += time.perf_counter() - t
        ref_rates.append(len(posts) / t_ref)
        ours_rates.append(len(posts) / t_ours)
        sent_rates.append(len(posts) / t_sent)
    ref, ours, sent = (statistics.median(r) for r in (ref_rates, ours_rates, sent_rates))
    print(f"  posts: {len(posts)} sample mentions, watchlist: 11 sample + 1,000 synthetic topics, reps: {reps}")
    print(f"  reference vaderSentiment alone: {ref:10,.0f} posts/s")
    print(f"  our sentiment alone:            {sent:10,.0f} posts/s  ({sent / ref:.2f}x)")
    print(f"  our whole enrich step:          {ours:10,.0f} posts/s  ({ours / ref:.2f}x the reference alone)")
    return {
        "enrich_vs_vader_ratio": {"value": round(ours / ref, 3), "unit": "x"},
        "enrich_posts_per_s": {"value": round(ours, 1), "unit": "posts/s"},
        "enrich_sample_vader_ref_posts_per_s": {"value": round(ref, 1), "unit": "posts/s"},
    }


if __name__ == "__main__":
    run(quick=True)

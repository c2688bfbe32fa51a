"""Render the figures of bench/results.json as the tables of BENCHMARKS.md.

    python -m bench.report      # prints markdown; paste between the markers in BENCHMARKS.md
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")

SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Pipeline (issue 2)", [
        ("e2e_mentions_per_s", "pre-filled topic -> rows queryable in chdb, one Faust worker"),
        ("ingest_publish_mentions_per_s", "MentionPublisher -> broker, acknowledged"),
        ("enrich_stage_mentions_per_s", "enrich agent batch logic in-process, one core"),
        ("sink_insert_mentions_per_s", "MentionWriter -> chdb incl. dedup lookup and views"),
    ]),
    ("Matching (issue 3)", [
        ("match_posts_per_s_100", "100 topics"), ("match_posts_per_s_1000", "1,000 topics (goal >= 50,000)"),
        ("match_posts_per_s_10000", "10,000 topics"), ("match_memory_mb_1000", "matcher memory, 1,000 topics"),
        ("match_memory_mb_10000", "matcher memory, 10,000 topics"), ("match_build_s_10000", "build, 10,000 topics"),
    ]),
    ("Enrichment (issue 4)", [
        ("vader_speed_ratio", "our VADER / vaderSentiment 3.3.2, same posts (goal >= 3)"),
        ("vader_speed_ratio_short_posts", "same, posts of 3-12 words"),
        ("enrich_vs_vader_ratio", "whole enrich step (enrich_many, as the agent) / reference VADER alone (goal >= 1.0)"),
        ("enrich_single_vs_vader_ratio", "same with Enricher.enrich one mention at a time"),
        ("enrich_posts_per_s", "whole enrich step, posts/s"),
    ]),
    ("Spike detection (issue 5)", [
        ("spike_precision", "event precision on the synthetic labelled series"),
        ("spike_recall", "event recall"), ("spike_delay_points", "median detection delay"),
        ("spike_delay_points_mean", "mean detection delay"),
        ("spike_false_alarms_per_week", "false alarms per series-week on spike-free series"),
        ("baseline_spike_precision", "baseline (24h mean + 3 sd): precision"),
        ("baseline_spike_recall", "baseline: recall"),
        ("baseline_false_alarms_per_week", "baseline: false alarms per series-week"),
        ("spike_update_us", "detector update cost"),
    ]),
    ("Analyst queries (issue 6), 10M mentions in chdb", [
        ("query_trend_30d_ms", "30-day hourly trend, one topic (goal < 100 ms)"),
        ("query_sov_30d_ms", "share of voice, 10 brands, 30 days (goal < 300 ms)"),
        ("insert_rows_per_s", "sustained batched insert into mentions, views firing (goal >= 200k)"),
        ("writer_mentions_per_s", "the real writer path from pydantic models"),
        ("query_top_24h_ms", "top mentions, 24 h"), ("query_terms_24h_ms", "trending terms, 24 h vs 7 d"),
    ]),
    ("Latency (issue 7), at half of the maximum throughput (docs/latency.md)", [
        ("latency_max_mentions_per_s", "maximum throughput measured in the same run (pre-filled topic -> chdb)"),
        ("latency_rate_mentions_per_s", "live rate achieved (half of it)"),
        ("latency_p50_ms", "publish -> queryable in ClickHouse, p50"),
        ("latency_p99_ms", "publish -> queryable in ClickHouse, p99"),
        ("alert_delay_s", "spike onset -> open alert at the webhook, median (default lateness 120 s, poll 5 s)"),
        ("alert_delay_p99_s", "spike onset -> alert, p99 (worst of the spikes)"),
        ("alert_delay_samples", "spikes measured"),
    ]),
]


def render(results: dict[str, dict[str, object]]) -> str:
    out = []
    for title, rows in SECTIONS:
        out += [f"### {title}", "", "| figure | value | unit | what |", "|---|---:|---|---|"]
        for name, what in rows:
            fig = results.get(name)
            if fig is None:
                continue
            value = float(fig["value"])  # type: ignore[arg-type]
            shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}".rstrip("0").rstrip(".")
            out.append(f"| `{name}` | {shown} | {fig['unit']} | {what} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(json.loads(RESULTS.read_text())))

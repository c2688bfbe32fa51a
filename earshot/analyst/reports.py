"""Analyst reports: run a query from :mod:`earshot.analyst.queries`, post-process, describe a chart.

Every report returns a :class:`Report` (column order, rows, optional chart) that the CLI renders as
a table, CSV, JSON or PNG. Counts come from the per-minute aggregates, so shares and sentiment
ratios are exact sums, not samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from earshot.analyst import queries
from earshot.analyst.errors import InvalidArgument
from earshot.analyst.series import buckets, fill_gaps, ratio
from earshot.analyst.store import Store
from earshot.analyst.timerange import Interval, TimeRange

ChartKind = Literal["lines", "bars", "stacked"]
TREND_METRICS = ("mentions", "positive", "negative", "neutral", "unscored", "reach", "engagement",
                 "avg_sentiment", "net_sentiment")


@dataclass
class Chart:
    """What to draw: ``x`` (bucket datetimes or category labels) and one value list per group."""

    kind: ChartKind
    title: str
    x: list[Any]
    groups: dict[str, list[float]]
    y_label: str = ""

    @property
    def is_time_series(self) -> bool:
        return bool(self.x) and isinstance(self.x[0], datetime)


@dataclass
class Report:
    """Rows to print (``columns`` order) and an optional chart."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)


def _zero() -> dict[str, Any]:
    return {c: 0.0 if c == "sentiment_sum" else 0 for c in queries.AGGREGATE_SUMS}


def _derive(row: dict[str, Any]) -> dict[str, Any]:
    """Adds ``avg_sentiment`` (mean compound) and ``net_sentiment`` ((pos - neg) / scored)."""
    scored = row["mentions"] - row["unscored"]
    row["avg_sentiment"] = ratio(row["sentiment_sum"], scored)
    row["net_sentiment"] = ratio(row["positive"] - row["negative"], scored)
    return row


def _num(value: Any) -> float:
    return 0.0 if value is None else float(value)


def trend(store: Store, time_range: TimeRange, interval: Interval, topics: Sequence[str] = (),
          metric: str = "mentions") -> Report:
    """Mentions (and sentiment, reach, engagement) per bucket and topic, gaps filled with zeros."""
    if metric not in TREND_METRICS:
        raise InvalidArgument(f"--metric must be one of {', '.join(TREND_METRICS)}")
    q = queries.trend(time_range, interval, topics)
    rows = [_derive(r) for r in fill_gaps(store.rows(q.sql), q.topics, q.time_range, interval, _zero())]
    x = buckets(q.time_range, interval)
    groups = {t: [_num(r[metric]) for r in rows if r["topic"] == t] for t in q.topics}
    columns = ["topic", "bucket", "mentions", "positive", "neutral", "negative", "unscored", "avg_sentiment",
               "reach", "engagement"]
    return Report(f"{metric} per {interval.value}", columns, rows,
                  Chart("lines", f"{metric} per {interval.value}", x, groups, metric))


def share_of_voice(store: Store, time_range: TimeRange, brand: str, competitors: Sequence[str],
                   interval: Interval | None = None) -> Report:
    """The brand's share of mentions (and reach, engagement) against its competitors.

    A mention naming two of the topics counts for both, as in every share-of-voice tool.
    """
    topics = queries.topic_ids([brand, *competitors])
    if len(topics) < 2:
        raise InvalidArgument("share of voice needs a brand and at least one competitor (--vs or the watchlist)")
    q = queries.topic_totals(time_range, topics, interval)
    found = store.rows(q.sql)
    if interval is None:
        by_topic = {r["topic"]: r for r in found}
        rows = [_derive(dict(by_topic.get(t) or {"topic": t, **_zero()})) for t in topics]
        totals = {c: sum(r[c] for r in rows) for c in ("mentions", "reach", "engagement")}
        for r in rows:
            r["role"] = "brand" if r["topic"] == topics[0] else "competitor"
            for c in ("mentions", "reach", "engagement"):
                share = ratio(100 * r[c], totals[c], 1)
                r[f"{c}_pct"] = share if share is not None else 0.0
        rows.sort(key=lambda r: (-r["mentions"], r["topic"]))
        chart = Chart("bars", "share of voice (% of mentions)", [r["topic"] for r in rows],
                      {"share %": [r["mentions_pct"] for r in rows]}, "% of mentions")
        columns = ["topic", "role", "mentions", "mentions_pct", "reach", "reach_pct", "engagement",
                   "engagement_pct", "net_sentiment"]
        return Report("share of voice", columns, rows, chart)
    rows = fill_gaps(found, topics, q.time_range, interval, _zero())
    per_bucket: dict[datetime, int] = {}
    for r in rows:
        per_bucket[r["bucket"]] = per_bucket.get(r["bucket"], 0) + r["mentions"]
    for r in rows:
        share = ratio(100 * r["mentions"], per_bucket[r["bucket"]], 1)
        r["mentions_pct"] = share if share is not None else 0.0
    x = buckets(q.time_range, interval)
    groups = {t: [r["mentions_pct"] for r in rows if r["topic"] == t] for t in topics}
    return Report(f"share of voice per {interval.value}", ["bucket", "topic", "mentions", "mentions_pct"],
                  sorted(rows, key=lambda r: (r["bucket"], topics.index(r["topic"]))),
                  Chart("stacked", f"share of voice per {interval.value} (%)", x, groups, "% of mentions"))


def sentiment(store: Store, time_range: TimeRange, topics: Sequence[str] = (),
              interval: Interval | None = None) -> Report:
    """Sentiment breakdown per topic (or of all mentions), or its trend with ``interval``."""
    ids = queries.topic_ids(topics)
    columns = ["topic", "mentions", "positive", "neutral", "negative", "unscored", "positive_pct",
               "negative_pct", "net_sentiment", "avg_sentiment"]
    if interval is not None:
        q = queries.trend(time_range, interval, ids)
        rows = [_derive(r) for r in fill_gaps(store.rows(q.sql), q.topics, q.time_range, interval, _zero())]
        x = buckets(q.time_range, interval)
        if len(q.topics) == 1:
            groups = {lab: [float(r[lab]) for r in rows] for lab in ("positive", "neutral", "negative", "unscored")}
            chart = Chart("stacked", f"sentiment per {interval.value}: {q.topics[0]}", x, groups, "mentions")
        else:
            groups = {t: [_num(r["net_sentiment"]) for r in rows if r["topic"] == t] for t in q.topics}
            chart = Chart("lines", f"net sentiment per {interval.value}", x, groups, "(pos - neg) / scored")
        return Report(f"sentiment per {interval.value}",
                      ["topic", "bucket", "mentions", "positive", "neutral", "negative", "unscored", "net_sentiment",
                       "avg_sentiment"], rows, chart)
    q = queries.topic_totals(time_range, ids) if ids else queries.all_totals(time_range)
    by_topic = {r["topic"]: r for r in store.rows(q.sql)}
    rows = []
    for t in q.topics:
        r = _derive(dict(by_topic.get(t) or {"topic": t, **_zero()}))
        scored = r["mentions"] - r["unscored"]
        r["positive_pct"] = ratio(100 * r["positive"], scored, 1)
        r["negative_pct"] = ratio(100 * r["negative"], scored, 1)
        rows.append(r)
    groups = {lab: [float(r[lab]) for r in rows] for lab in ("positive", "neutral", "negative", "unscored")}
    return Report("sentiment breakdown", columns, rows,
                  Chart("stacked", "sentiment breakdown", [r["topic"] for r in rows], groups, "mentions"))


def top_mentions(store: Store, time_range: TimeRange, by: str = "reach", topics: Sequence[str] = (),
                 limit: int = 10) -> Report:
    """The mentions with the largest reach or engagement."""
    q = queries.top_mentions(time_range, by, topics, limit)
    rows = store.rows(q.sql)
    labels = [f"@{r['author_handle'] or '?'} {r['created_at']:%m-%d %H:%M}" for r in rows]
    columns = ["created_at", "platform", "author_handle", "reach", "engagement", "sentiment", "topics", "text", "url"]
    return Report(f"top mentions by {by}", columns, rows,
                  Chart("bars", f"top mentions by {by}", labels, {by: [float(r[by]) for r in rows]}, by))


def trending_terms(store: Store, time_range: TimeRange, baseline: TimeRange, topics: Sequence[str] = (),
                   limit: int = 20, min_count: int = 3, hashtags_only: bool = False) -> Report:
    """Terms and hashtags used more now than in the baseline period, by lift.

    ``expected`` is the baseline count scaled to the length of the current range; ``lift`` is
    ``(recent + 1) / (expected + 1)`` (the +1 keeps brand-new rare words from topping the list).
    """
    q = queries.term_counts(time_range, baseline, topics, min_count, hashtags_only)
    scale = time_range.seconds / baseline.seconds
    rows = []
    for r in store.rows(q.sql):
        expected = r["baseline"] * scale
        term = r["term"]
        kind = "hashtag" if term.startswith("#") else "handle" if term.startswith("@") else "term"
        rows.append({"term": term, "kind": kind, "recent": r["recent"], "baseline": r["baseline"],
                     "expected": round(expected, 2), "lift": round((r["recent"] + 1) / (expected + 1), 2)})
    rows.sort(key=lambda r: (-r["lift"], -r["recent"], r["term"]))
    rows = rows[:queries.positive_int(limit, "limit", 10_000)]
    return Report("trending terms", ["term", "kind", "recent", "baseline", "expected", "lift"], rows,
                  Chart("bars", "trending terms (lift vs baseline)", [r["term"] for r in rows],
                        {"lift": [r["lift"] for r in rows]}, "lift"))


def alerts(store: Store, time_range: TimeRange, topics: Sequence[str] = (), status: str | None = None,
           history: bool = False, limit: int = 100) -> Report:
    """Alert incidents active in the range (latest state), or every revision with ``history``."""
    if history:
        q = queries.alert_history(time_range, topics, limit)
        rows = store.rows(q.sql)
        return Report("alert history", ["alert_id", "revision", "topic", "series", "status", "severity",
                                        "updated_at", "observed", "expected", "ratio", "score"], rows)
    q = queries.alert_states(time_range, topics, status, limit)
    rows = store.rows(q.sql)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["topic"]] = counts.get(r["topic"], 0) + 1
    columns = ["alert_id", "topic", "series", "status", "severity", "opened_at", "updated_at", "resolved_at",
               "revisions", "observed", "expected", "ratio", "peak_score", "top_terms"]
    return Report("alerts", columns, rows,
                  Chart("bars", "alerts per topic", list(counts), {"alerts": [float(v) for v in counts.values()]},
                        "alerts"))


def dead_letters(store: Store, time_range: TimeRange, stage: str | None = None, listing: bool = False,
                 letter_id: str | None = None, limit: int = 50) -> Report:
    """Dead letters per stage and error type, the latest ones (``listing``), or one by id."""
    if letter_id:
        q = queries.dead_letter_by_id(letter_id, time_range)
        return Report("dead letter", ["id", "received_at", "stage", "error_type", "source", "reason", "payload",
                                      "payload_truncated"], store.rows(q.sql))
    if listing:
        q = queries.dead_letter_list(time_range, stage, limit)
        return Report("dead letters", ["received_at", "stage", "error_type", "source", "reason", "payload", "id"],
                      store.rows(q.sql))
    q = queries.dead_letter_summary(time_range, stage)
    rows = store.rows(q.sql)
    return Report("dead letters by stage", ["stage", "error_type", "letters", "first_at", "last_at",
                                            "example_reason"], rows,
                  Chart("bars", "dead letters", [f"{r['stage']}/{r['error_type']}" for r in rows],
                        {"letters": [float(r["letters"]) for r in rows]}, "dead letters"))

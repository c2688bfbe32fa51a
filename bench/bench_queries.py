"""Analyst query and bulk-insert benchmarks on embedded chdb (issue 6).

Figures:

* ``query_trend_30d_ms``: median time of the ``earshot query trend`` report (SQL on the
  ``topic_volume_1m`` aggregate + Python gap fill) for one topic, 30 days, hourly buckets.
* ``query_sov_30d_ms``: median time of the share-of-voice report for 10 brands over 30 days.
* ``insert_rows_per_s``: ``mentions`` rows per second inserted as pre-built columnar (Arrow)
  batches of 100,000 rows through ``ChdbBackend.insert_arrow`` with both aggregate views firing.
  This is the store's batched insert capacity, not the Python writer path:
* ``writer_mentions_per_s``: ``MentionWriter.write`` from ``EnrichedMention`` models (dedup lookup,
  columnar build, ``mention_topics`` + ``mentions`` inserts, views) in batches of 20,000.

Full mode loads 10 million synthetic mentions (50 topics, 30 days) into a fresh chdb directory;
quick mode 200,000. chdb allows one data directory per process and ``bench.run`` runs other
benchmarks in its process, so the work happens in a child process:
``python -m bench.bench_queries --child --rows N``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DAYS = 30
TOPICS = 50
INSERT_BATCH = 100_000
END = datetime(2026, 11, 1, tzinfo=UTC)
START = END - timedelta(days=DAYS)


def synthetic_batch(n: int, offset: int, total: int, seed: int) -> Any:
    """``n`` mentions rows (all 41 columns) as a ``pyarrow.Table``, spread over the 30 days in time order.

    Built with numpy: random hex keys, Zipf-like topic popularity (1 or 2 topics per mention),
    texts drawn from a pool, sentiment labels with matching compound scores.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from sinks.backends import arrow_type
    from sinks.rows import MENTION_COLUMNS

    rng = np.random.default_rng(seed)
    lut = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")
    keys = lut[rng.integers(0, 256, size=(n, 16), dtype=np.uint8)].view("S32").ravel()
    start_s = int(START.timestamp())
    created = start_s + (np.arange(offset, offset + n, dtype=np.int64) * (DAYS * 86_400)) // total
    weights = 1.0 / np.arange(1, TOPICS + 1)
    first = rng.choice(TOPICS, size=n, p=weights / weights.sum())
    second = rng.integers(0, TOPICS, size=n)
    two = (rng.random(n) < 0.3) & (second != first)
    lengths = np.where(two, 2, 1)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    flat = np.empty(offsets[-1], dtype=np.int64)
    flat[offsets[:-1]] = first
    flat[offsets[:-1][two] + 1] = second[two]
    names = pa.array([f"brand{i:02d}" for i in range(TOPICS)])
    topics = pa.ListArray.from_arrays(pa.array(offsets), pc.take(names, pa.array(flat)))
    words = ["battery", "launch", "price", "coffee", "love", "broken", "delivery", "#sale", "#fail", "support",
             "update", "screen", "taste", "queue", "refund", "#new", "camera", "app", "crash", "great"]
    pool = pa.array([" ".join(np.random.default_rng(i).choice(words, size=8)) + f" brand{i % TOPICS:02d}"
                     for i in range(2000)])
    label_idx = rng.choice(4, size=n, p=[0.35, 0.25, 0.3, 0.1])  # positive, negative, neutral, unscored
    compound = np.select([label_idx == 0, label_idx == 1], [rng.uniform(0.05, 1, n), rng.uniform(-1, -0.05, n)], 0.0)
    labels = pc.take(pa.array(["positive", "negative", "neutral", ""]), pa.array(label_idx))
    empty_list = pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], pa.string()))
    ts = pa.array(created, pa.timestamp("s", tz="UTC"))
    cols: dict[str, Any] = {
        "mention_key": pa.array(keys, pa.binary()).cast(pa.string()),
        "schema_version": np.ones(n, np.uint16),
        "platform": pc.take(pa.array(["x", "reddit", "youtube", "web"]), pa.array(rng.integers(0, 4, n))),
        "source_id": pa.array(np.arange(offset, offset + n).astype(str)),
        "author_followers": rng.zipf(1.6, n).clip(0, 10_000_000).astype(np.uint64),
        "text": pc.take(pool, pa.array(rng.integers(0, len(pool), n))),
        "lang": pc.take(pa.array(["en", "ko", "de"]), pa.array(rng.integers(0, 3, n))),
        "lang_confidence": rng.random(n).astype(np.float32),
        "created_at": ts,
        "likes": rng.poisson(3, n).astype(np.uint64),
        "replies": rng.poisson(1, n).astype(np.uint64),
        "reposts": rng.poisson(1, n).astype(np.uint64),
        "views": rng.poisson(50, n).astype(np.uint64),
        "source_tags": empty_list,
        "topics": topics,
        "sentiment_scored": (label_idx != 3).astype(np.uint8),
        "sentiment_compound": compound.astype(np.float32),
        "sentiment_label": labels,
        "sentiment_analyzer": pc.if_else(pc.equal(labels, ""), "", "vader"),
        "intents": empty_list,
        "priority": pa.array(np.full(n, "P4")),
        "priority_factors": empty_list,
        "ingested_at": ts,
        "enriched_at": ts,
        "inserted_at": ts,
        "version": created.astype(np.uint64) * 1_000_000,
    }
    types = {line.split()[0]: line.split(None, 1)[1].rstrip(",") for line in _mention_ddl_lines()}
    arrays = []
    for name in MENTION_COLUMNS:
        t = arrow_type(types[name])
        value = cols.get(name)
        if value is None:  # unused by the queries: empty values of the right type
            value = pa.nulls(n, t).fill_null("" if t == pa.string() else 0)
        arrays.append(value if isinstance(value, pa.Array | pa.ChunkedArray) else pa.array(value, t))
    return pa.Table.from_arrays([a.cast(arrow_type(types[c])) for a, c in zip(arrays, MENTION_COLUMNS, strict=True)],
                                names=list(MENTION_COLUMNS))


def _mention_ddl_lines() -> list[str]:
    from sinks import ddl

    return [line.strip() for line in ddl.MENTIONS.split("(", 1)[1].split(") ENGINE", 1)[0].strip().splitlines()]


def _median_ms(fn: Any, reps: int) -> float:
    fn()  # warm caches: analysts re-run queries; the first cold read is reported separately
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def child(rows: int, path: Path, reps: int) -> dict[str, dict[str, Any]]:
    """Load ``rows`` mentions into a fresh chdb at ``path`` and measure; returns the figures."""
    from earshot.analyst import reports
    from earshot.analyst.store import BackendStore
    from earshot.analyst.timerange import Interval, TimeRange
    from sinks.backends import ChdbBackend
    from sinks.migrations import migrate
    from sinks.writers import MentionWriter
    from tests.fixtures.clickhouse import make_mention

    backend = ChdbBackend(path, "bench")
    migrate(backend)
    insert_s = 0.0
    batches = max(1, rows // INSERT_BATCH)
    size = rows // batches
    for b in range(batches):
        table = synthetic_batch(size, b * size, rows, seed=b)  # generation is not timed
        t = time.perf_counter()
        backend.insert_arrow("mentions", table)
        insert_s += time.perf_counter() - t
    loaded = batches * size
    counted = backend.query("SELECT count() AS n FROM mentions")[0]["n"]
    agg = backend.query("SELECT sum(mentions) AS n FROM topic_volume_1m")[0]["n"]
    store = BackendStore(backend)
    tr = TimeRange(START, END)
    brands = [f"brand{i:02d}" for i in range(10)]
    cold_t = time.perf_counter()
    trend = reports.trend(store, tr, Interval.HOUR, ["brand03"])
    cold_ms = (time.perf_counter() - cold_t) * 1000
    assert len(trend.rows) == DAYS * 24 and sum(r["mentions"] for r in trend.rows) > 0
    trend_ms = _median_ms(lambda: reports.trend(store, tr, Interval.HOUR, ["brand03"]), reps)
    sov_ms = _median_ms(lambda: reports.share_of_voice(store, tr, brands[0], brands[1:]), reps)
    sov_daily_ms = _median_ms(lambda: reports.share_of_voice(store, tr, brands[0], brands[1:], Interval.DAY), reps)
    top_ms = _median_ms(lambda: reports.top_mentions(store, TimeRange(END - timedelta(days=1), END), "reach"), reps)
    terms_ms = _median_ms(lambda: reports.trending_terms(
        store, TimeRange(END - timedelta(days=1), END), TimeRange(END - timedelta(days=8), END - timedelta(days=1)),
        ["brand03"]), max(1, reps // 3))

    writer_batch = 20_000 if rows >= 1_000_000 else 5_000
    models = [make_mention(i, created_at=END - timedelta(seconds=i), topics=("brand01", "brand02")
                           if i % 3 == 0 else ("brand01",)) for i in range(3 * writer_batch)]
    writer = MentionWriter(backend)
    t = time.perf_counter()
    written = sum(writer.write(models[i:i + writer_batch]) for i in range(0, len(models), writer_batch))
    writer_rate = written / (time.perf_counter() - t)
    backend.close()
    return {
        "query_trend_30d_ms": {"value": round(trend_ms, 2), "unit": "ms"},
        "query_trend_30d_cold_ms": {"value": round(cold_ms, 2), "unit": "ms"},
        "query_sov_30d_ms": {"value": round(sov_ms, 2), "unit": "ms"},
        "query_sov_30d_daily_ms": {"value": round(sov_daily_ms, 2), "unit": "ms"},
        "query_top_24h_ms": {"value": round(top_ms, 2), "unit": "ms"},
        "query_terms_24h_ms": {"value": round(terms_ms, 2), "unit": "ms"},
        "insert_rows_per_s": {"value": round(loaded / insert_s), "unit": "rows/s"},
        "writer_mentions_per_s": {"value": round(writer_rate), "unit": "mentions/s"},
        "bench_queries_mentions": {"value": int(counted), "unit": "rows"},
        "bench_queries_topic_mentions": {"value": int(agg), "unit": "rows"},
    }


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    """Run the benchmark in a child process (fresh chdb directory) and print the figures."""
    rows = 200_000 if quick else 10_000_000
    path = Path(tempfile.mkdtemp(prefix="earshot-bench-queries-"))
    try:
        proc = subprocess.run([sys.executable, "-m", "bench.bench_queries", "--child", "--rows", str(rows),
                               "--path", str(path), "--reps", "5" if quick else "15"],
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    finally:
        shutil.rmtree(path, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench_queries child failed:\n{proc.stderr[-4000:]}")
    figures: dict[str, dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"   {rows:,} synthetic mentions, {TOPICS} topics, {DAYS} days (chdb)")
    for name, fig in figures.items():
        print(f"   {name:32s} {fig['value']:>14,} {fig['unit']}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", action="store_true", help="(internal) measure in this process")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--path", type=Path)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.rows, args.path or Path(tempfile.mkdtemp()), args.reps)))
    else:
        run(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

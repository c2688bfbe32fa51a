"""End-to-end and per-stage throughput on the real local broker and embedded chdb.

* ``ingest_publish_mentions_per_s``: MentionPublisher -> broker, acknowledged.
* ``enrich_stage_mentions_per_s``: the enrich agent's batch logic in-process (one core, no Kafka).
* ``sink_insert_mentions_per_s``: MentionWriter -> chdb (mentions + mention_topics, with dedup lookup).
* ``e2e_mentions_per_s``: from a pre-filled raw topic to rows queryable in chdb, one Faust worker,
  timed from the first landed row to the last (worker start-up and group join excluded).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from earshot.demo import demo_env
from earshot.kafka import ensure_topics
from earshot.query_client import http_ping, http_query
from earshot.services.broker import LocalBroker
from earshot.services.ports import free_port
from earshot.services.process import stop_process
from earshot.settings import Settings
from schemas import RawMention

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_mentions.jsonl"


def make_posts(n: int) -> list[RawMention]:
    """``n`` distinct mentions cycling the sample texts (new ids, spread over two hours)."""
    base = [RawMention.model_validate_json(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return [base[i % len(base)].model_copy(update={"source_id": f"bench-{i}",
                                                   "created_at": t0 + timedelta(seconds=(i * 7200) // n)})
            for i in range(n)]


def _median_rate(samples: list[float]) -> float:
    return statistics.median(samples)


@dataclass
class Msg:
    """The fields of a Faust message the stages read."""

    topic: str = "raw"
    partition: int = 0
    offset: int = 0
    timestamp: float = 0.0


@dataclass
class Event:
    value: bytes
    message: Msg


def bench_enrich_stage(posts: list[RawMention], settings: Settings, reps: int) -> float:
    import asyncio

    from pipeline.enrich_stage import EnrichStage
    from pipeline.enrichment import EnricherHolder
    from schemas import encode_batch

    stage = EnrichStage(EnricherHolder(settings), settings.envelope_max_mentions)
    events = [Event(encode_batch("raw", posts[i:i + 200]), Msg()) for i in range(0, len(posts), 200)]
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        asyncio.run(stage.process(events))
        rates.append(len(posts) / (time.perf_counter() - t))
    return _median_rate(rates)


def bench_sink(posts: list[RawMention], settings: Settings, reps: int) -> float:
    import asyncio

    from pipeline.enrich_stage import EnrichStage
    from pipeline.enrichment import EnricherHolder
    from schemas import encode_batch
    from sinks.backends import open_backend
    from sinks.migrations import migrate
    from sinks.writers import MentionWriter

    stage = EnrichStage(EnricherHolder(settings), settings.envelope_max_mentions)
    out, _ = asyncio.run(stage.process([Event(encode_batch("raw", posts), Msg())]))
    enriched = out[0]
    rates = []
    for _ in range(reps):
        path = Path(tempfile.mkdtemp(prefix="earshot-bench-sink-"))
        backend = open_backend(f"chdb://{path}")
        try:
            migrate(backend)
            writer = MentionWriter(backend)
            chunk = settings.batch_max_rows
            t = time.perf_counter()
            for i in range(0, len(enriched), chunk):
                writer.write(enriched[i:i + chunk])
            rates.append(len(enriched) / (time.perf_counter() - t))
        finally:
            backend.close()
            shutil.rmtree(path, ignore_errors=True)
    return _median_rate(rates)


def bench_e2e(posts: list[RawMention], reps: int) -> tuple[float, float]:
    from ingest.publisher import MentionPublisher

    e2e_rates, publish_rates = [], []
    for rep in range(reps):
        work = Path(tempfile.mkdtemp(prefix="earshot-bench-e2e-"))
        broker = LocalBroker(work / "broker", port=free_port())
        env = demo_env(work, broker.bootstrap, free_port(), free_port())
        env["EARSHOT_APP_ID"] = f"earshot-bench-{rep}"
        settings = Settings(**{k.removeprefix("EARSHOT_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
        worker = None
        try:
            broker.start()
            ensure_topics(settings)
            publisher = MentionPublisher(settings)
            t = time.perf_counter()
            publisher.publish(posts)
            publisher.flush()
            publish_rates.append(len(posts) / (time.perf_counter() - t))
            publisher.close()
            log = open(work / "worker.log", "wb")
            worker = subprocess.Popen([sys.executable, "-m", "earshot.cli", "worker"], stdout=log,
                                      stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
            url = f"http://127.0.0.1:{env['EARSHOT_QUERY_HTTP_PORT']}"
            deadline = time.monotonic() + 120
            while not http_ping(url):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start; see {work / 'worker.log'}")
                time.sleep(0.2)
            first = last = None
            n = len(posts)
            while time.monotonic() < deadline + 300:
                count = int(http_query(url, "SELECT count() AS c FROM mentions")[0]["c"])
                now = time.perf_counter()
                if count > 0 and first is None:
                    first, first_count = now, count
                if count >= n:
                    last = now
                    break
                time.sleep(0.1)
            if first is None or last is None or last <= first:
                raise RuntimeError("mentions did not land in time")
            e2e_rates.append((n - first_count) / (last - first))
        finally:
            if worker is not None:
                stop_process(worker)
            broker.stop()
            shutil.rmtree(work, ignore_errors=True)
    return _median_rate(e2e_rates), _median_rate(publish_rates)


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    n = 20_000 if quick else 100_000
    reps = 1 if quick else 3
    posts = make_posts(n)
    settings = Settings(watchlist=Path(__file__).resolve().parents[1] / "config" / "watchlist.yaml")
    enrich_rate = bench_enrich_stage(posts[: n // 4], settings, reps)
    print(f"  enrich stage (in-process, 1 core): {enrich_rate:12,.0f} mentions/s")
    sink_rate = bench_sink(posts[: n // 2], settings, reps)
    print(f"  sink insert (chdb):                {sink_rate:12,.0f} mentions/s")
    e2e_rate, publish_rate = bench_e2e(posts, reps)
    print(f"  ingest publish (broker acked):     {publish_rate:12,.0f} mentions/s")
    print(f"  end to end (topic -> chdb):        {e2e_rate:12,.0f} mentions/s  ({n:,} mentions, median of {reps})")
    print(f"  e2e / enrich stage ratio:          {e2e_rate / enrich_rate:12.2f}")
    return {
        "e2e_mentions_per_s": {"value": round(e2e_rate, 1), "unit": "mentions/s"},
        "ingest_publish_mentions_per_s": {"value": round(publish_rate, 1), "unit": "mentions/s"},
        "enrich_stage_mentions_per_s": {"value": round(enrich_rate, 1), "unit": "mentions/s"},
        "sink_insert_mentions_per_s": {"value": round(sink_rate, 1), "unit": "mentions/s"},
    }

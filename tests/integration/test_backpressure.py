"""Backpressure on the real broker and ClickHouse 18.16 server, made slow by a TCP proxy (issue 7, item 3).

"When ClickHouse is slow, consumption slows and memory stays bounded; nothing is dropped."

The worker's sink talks to the real server through :class:`tests.integration.slow_proxy.SlowProxy`.
While the proxy is slow (every chunk delayed, bandwidth capped), a backlog is published in two
steps, the second three times the first. Checked, with no assertion on speed:

* consumption slows: the enrich stage keeps up (its input is committed), but the enriched backlog
  stays in the broker, uncommitted, and only a fraction is stored;
* memory is bounded: the worker's RSS with the large backlog is not larger by anything like the
  extra backlog (the sink reads at most a bounded buffer ahead of ClickHouse; see
  ``EARSHOT_STREAM_BUFFER_MAX_MESSAGES``), and stays under an absolute bound derived from the settings;
* nothing is dropped: once the proxy is fast again, every mention is stored exactly once.

Mentions carry an 8 KB ``extras`` payload so the backlog is large in bytes (~9 KB a mention,
~110 MB in all) while enrichment stays cheap. Measured on the dev machine: RSS 137 MB warm, 160 MB
with 3,000 mentions waiting, 176 MB with 12,000 (Faust's default read-ahead: 175 -> 265 MB).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from earshot.kafka import ensure_topics
from earshot.settings import Settings
from schemas import RawMention
from tests.fixtures.clickhouse import unique_database
from tests.integration.kafka_helpers import publish, uncommitted
from tests.integration.slow_proxy import SlowProxy
from tests.integration.worker_process import wait_until, worker_process

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
PHRASES = ("just tried {b} and it was great", "{b} kept me waiting 20 minutes, awful service",
           "anyone else think {b} got pricier?", "loving the new {b} thing")
BRANDS = ("Acme Coffee", "BrewCo", "BeanHub", "Nimbus")
PAYLOAD = ("sensor-dump " * 700)[:8000]
ENVELOPE = 20  # mentions per Kafka message: many messages, so buffers counted in messages fill up
BATCH = 20  # Kafka messages per sink batch (400 mentions)


def make_mentions(n: int, prefix: str) -> list[RawMention]:
    return [RawMention(platform="x", source_id=f"{prefix}-{i}",
                       text=PHRASES[i % len(PHRASES)].format(b=BRANDS[i % len(BRANDS)]) + f" #{i}",
                       lang="en", url=f"https://x.example/{prefix}/{i}",
                       created_at=T0 + timedelta(seconds=i % 3600), extras={"payload": PAYLOAD},
                       author={"id": f"u{i % 97}", "handle": f"user{i % 97}", "followers": 10 * (i % 1000)})
            for i in range(n)]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


class RssSampler(threading.Thread):
    """Samples a process's RSS every 0.2 s; ``peak_since(mark)`` is the largest sample after a mark."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.samples.append(rss_mb(self.pid))
            except (OSError, AssertionError):
                return
            self.stop_event.wait(0.2)

    def mark(self) -> int:
        return len(self.samples)

    def peak_since(self, mark: int) -> float:
        return max(self.samples[mark:])


def test_slow_clickhouse_slows_consumption_bounds_memory_and_drops_nothing(
        kafka_settings: Settings, clickhouse_server: Any, tmp_path: Path) -> None:
    from sinks.backends import ServerBackend

    database = unique_database("backpressure")
    backend = ServerBackend(port=clickhouse_server.tcp_port, database=database)  # direct, not via the proxy
    proxy = SlowProxy(clickhouse_server.tcp_port)
    settings = kafka_settings.model_copy(update={
        "clickhouse_url": f"clickhouse://default:@127.0.0.1:{proxy.port}/{database}",
        "envelope_max_mentions": ENVELOPE, "batch_max_messages": BATCH, "sink_retry_max_s": 2.0})
    warm, small, large = make_mentions(400, "warm"), make_mentions(3000, "small"), make_mentions(9000, "large")
    everything = warm + small + large
    log = tmp_path / "worker.log"
    sampler: RssSampler | None = None

    def stored() -> tuple[int, int]:
        row = backend.query("SELECT count() AS c, uniqExact(mention_key) AS u FROM mentions")[0]
        return int(row["c"]), int(row["u"])

    try:
        ensure_topics(settings)
        started = time.monotonic()
        with worker_process(settings, log) as proc:
            publish(settings, warm)
            wait_until(lambda: stored()[1] >= len(warm), 90, proc, log, "the warm-up mentions")
            sampler = RssSampler(proc.pid)
            sampler.start()
            time.sleep(2)
            base = sampler.peak_since(0)
            base_at = time.monotonic()

            # ClickHouse slow: 50 ms a chunk and 300 KB/s, i.e. a few dozen mentions a second
            proxy.slow(delay_s=0.05, bytes_per_s=300_000)

            def backlog(mentions: list[RawMention]) -> tuple[float, tuple[int, int], int]:
                """Publish, wait until enrich took it all and the sink's buffers had time to fill."""
                publish(settings, mentions)
                wait_until(lambda: uncommitted(settings)[0] == 0, 60, proc, log, "enrich to consume its input")
                mark = sampler.mark()
                time.sleep(3)
                return sampler.peak_since(mark), uncommitted(settings), stored()[0]

            rss_small, lag_small, stored_small = backlog(small)
            rss_large, lag_large, stored_large = backlog(large)
            slow_done = time.monotonic()
            peak_slow = sampler.peak_since(0)
            total = len(everything)
            report = (f"RSS MB: warm {base:.0f}, backlog {len(small)} -> {rss_small:.0f}, backlog "
                      f"{len(small) + len(large)} -> {rss_large:.0f}, peak {peak_slow:.0f}; enriched messages "
                      f"uncommitted {lag_small[1]} -> {lag_large[1]}; stored {stored_small} -> {stored_large} "
                      f"of {total}")
            print(f"\n{report}")

            # consumption slowed: enrich kept up, the sink did not; the backlog waits in the broker
            assert lag_large[0] == 0, report
            assert stored_large < len(warm) + (len(small) + len(large)) // 2, report
            large_messages = len(large) // ENVELOPE
            assert lag_large[1] > lag_small[1] + large_messages // 2, report

            # memory bounded: 9,000 more mentions (72 MB of payload) waiting added far less than their
            # size. With Faust's default read-ahead (4,096 messages) the worker buffered them all: +90 MB.
            # What remains (~15-20 MB) is the allocator's high-water mark from enriching them; it
            # flattens once enrich is done, while the backlog is still waiting.
            large_mb = len(large) * len(PAYLOAD) / 1e6
            assert rss_large - rss_small < 0.5 * large_mb, report
            # ... and it stays under a bound from the settings. A stage holds at most its batch plus its
            # read-ahead (stream buffer) of Kafka messages, here envelopes of ~190 KB, each counted 4
            # times (bytes, decoded mentions, insert columns / encoded output, slack); plus 50 MB for
            # the allocator's high-water mark. With the backlog waiting (after enrich is done) that is
            # the sink's share; while enrich runs too (the peak), twice that.
            envelope_mb = ENVELOPE * len(PAYLOAD) * 1.2 / 1e6
            buffer_msgs = settings.stream_buffer_max_messages or 2 * settings.batch_max_messages
            stage_mb = 4 * (BATCH + buffer_msgs) * envelope_mb
            assert rss_large < base + stage_mb + 50, f"{report}; bound {base + stage_mb + 50:.0f} MB"
            assert peak_slow < base + 2 * stage_mb + 50, f"{report}; bound {base + 2 * stage_mb + 50:.0f} MB"

            # nothing dropped: fast again, everything lands exactly once
            proxy.fast()
            wait_until(lambda: stored()[1] >= total, 90, proc, log, "every mention after ClickHouse is fast again")
            wait_until(lambda: uncommitted(settings) == (0, 0), 30, proc, log, "the backlog to be committed")
            assert proc.poll() is None
            assert stored() == (total, total)
            keys = {r["mention_key"] for r in backend.query("SELECT mention_key FROM mentions")}
            assert keys == {m.key for m in everything}
            print(f"phases: start + warm-up {base_at - started:.0f}s, slow {slow_done - base_at:.0f}s, "
                  f"fast drain {time.monotonic() - slow_done:.0f}s")
        text = log.read_text(errors="replace")
        assert "giving up" not in text
    finally:
        if sampler is not None:
            sampler.stop_event.set()
        proxy.close()
        try:
            backend.execute(f"DROP DATABASE IF EXISTS {database}")
        finally:
            backend.close()

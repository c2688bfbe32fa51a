"""Latency at half of the maximum throughput (issue 7, item 7): publish -> queryable, spike onset -> alert.

One run on the embedded default (local Tansu broker + one Faust worker on chdb), default detection
settings (``EARSHOT_SPIKE_POLL_S`` 5 s, ``EARSHOT_SPIKE_ALLOWED_LATENESS_S`` 120 s), alerts to a
local webhook catcher. See docs/latency.md for what the figures are made of.

1. **Maximum throughput, measured in this run** (``latency_max_mentions_per_s``): a pre-filled raw
   topic (sample posts, plus three hours of baseline history for the spike topics) drained by the
   worker, timed from its joining the consumer group to the last row queryable (``e2e_mentions_per_s``
   starts at the first landed row instead; a sink batch can hold 40,000 mentions, so with this smaller
   pre-fill that would miss most of the work).
2. **Live stream at half of it** (``latency_rate_mentions_per_s``, the rate achieved): sample posts
   published every 100 ms with ``created_at`` = publish time, each batch's publish time noted.
3. **Publish -> queryable** (``latency_p50_ms``, ``latency_p99_ms``): a poller asks the worker's query
   endpoint every 250 ms how many mentions of each published batch are in ``mentions`` (``source_id``
   carries the batch number). Mentions first seen by poll *k* became queryable between polls *k-1*
   and *k* (from the start of poll *k-1* to the answer of poll *k*): each gets the midpoint, so the
   resolution is about +-150 ms (half of the poll interval plus a query, printed). Each poll scans
   the current hour of ``mentions`` in the worker's process (tens of ms of its time, many small
   parts): polling faster would measure the poller. Mentions published during a fixed window (90 s;
   30 s with ``--quick``) are measured.
4. **Spike onset -> alert delivered** (``alert_delay_s`` = median, ``alert_delay_p50_s``,
   ``alert_delay_p99_s``, ``alert_delay_samples``): six watchlist topics (three with ``--quick``)
   that only this benchmark mentions get a Poisson baseline of 6 mentions a minute: three hours of
   history in the pre-fill (past the detectors' two-hour warm-up), then live. Spikes of +60 a minute
   start at staggered wall-clock onsets during the live phase (so onsets fall at different seconds of
   their minute); the delay is from the onset to the ``open`` alert's arrival at the webhook.

Runs about five minutes: the alert delay itself is about three (a minute must close, plus two
minutes of allowed lateness), and the stream has to keep running until the alerts arrive.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from earshot.demo import WebhookCatcher, demo_env
from earshot.kafka import ensure_topics
from earshot.query_client import http_ping, http_query
from earshot.services.broker import LocalBroker
from earshot.services.ports import free_port
from earshot.services.process import stop_process
from earshot.settings import Settings
from schemas import RawMention

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_mentions.jsonl"

SPIKE_TERMS = ("Quillfeather", "Zentrovia", "Brambleton Labs", "Okapi Rail", "Velvetine", "Marrowind")
BASELINE_PER_MIN = 6.0
SPIKE_PER_MIN = 60.0
"""Extra mentions a minute during a spike (11x the baseline: unmistakable, so the delay is the pipeline's)."""
SPIKE_S = 300.0
HISTORY_MIN = 180
PREFILL_RECENT_S = 300.0
"""The pre-filled sample posts are spread over the last five minutes before the live phase."""
TICK_S = 0.1
POLL_S = 0.25
SPIKE_PHRASES = ("just tried {t} and honestly it is pretty good", "has anyone used {t} yet?",
                 "{t} support answered in five minutes", "reading about {t} on the train",
                 "{t} announced something new today")


def topic_id(term: str) -> str:
    return "bench-" + term.lower().replace(" ", "-")


def write_watchlist(path: Path, terms: tuple[str, ...]) -> None:
    """The default watchlist plus one topic per spike term (that no sample post mentions)."""
    import yaml

    data = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text())
    for term in terms:
        data["topics"].append({"id": topic_id(term), "name": f"{term} (latency bench)", "group": "brand",
                               "terms": [term]})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def poisson(rnd: random.Random, lam: float) -> int:
    """Knuth's method (small ``lam`` only)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rnd.random()
        if p <= limit:
            return k
        k += 1


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def topic_mention(rnd: random.Random, term: str, source_id: str, at: float) -> RawMention:
    text = rnd.choice(SPIKE_PHRASES).format(t=term)
    user = rnd.randrange(5000)
    return RawMention(platform="x", source_id=source_id, url=f"https://x.example/bench/{source_id}", text=text,
                      lang="en", created_at=datetime.fromtimestamp(at, UTC),
                      author={"id": f"b{user}", "handle": f"bench{user}", "followers": rnd.randrange(10_000)})


class TimedCatcher(WebhookCatcher):
    """The main job's webhook endpoint, asked when the first ``open`` alert of a topic arrived."""

    def first_open(self, topic: str) -> tuple[float, dict[str, Any]] | None:
        # strict=False: a POST being handled may have its time recorded and not yet its alert
        for at, alert in zip(list(self.arrived_at), list(self.received), strict=False):
            if alert.get("topic_id") == topic and alert.get("status") == "open":
                return at, alert
        return None


@dataclass
class Spike:
    term: str
    onset: float

    @property
    def topic(self) -> str:
        return topic_id(self.term)

    def active(self, at: float) -> bool:
        return self.onset <= at < self.onset + SPIKE_S


class LiveFeed(threading.Thread):
    """Publishes every ``TICK_S``: sample posts at ``bulk_rate`` a second and the spike topics' Poisson
    baseline (plus spikes), all with ``created_at`` = now and ``source_id`` = ``lat.<batch>.<i>``."""

    def __init__(self, settings: Settings, base: list[RawMention], terms: tuple[str, ...]) -> None:
        super().__init__(daemon=True, name="live-feed")
        self.settings, self.base, self.terms = settings, base, terms
        self.spikes: list[Spike] = []
        self.bulk_rate = 0.0
        self.batches: dict[int, tuple[float, int]] = {}
        """batch number -> (publish wall time, mentions)."""
        self.error: BaseException | None = None
        self.stop_event = threading.Event()
        self.rnd = random.Random(11)
        self.bulk_started: float | None = None
        self.bulk_sent = 0
        self.published = 0

    def start_bulk(self, rate: float) -> float:
        self.bulk_started = time.time()
        self.bulk_rate = rate
        return self.bulk_started

    def run(self) -> None:
        from ingest.publisher import MentionPublisher

        publisher = MentionPublisher(self.settings)
        try:
            batch, last, cursor = 0, time.time(), 0
            while not self.stop_event.is_set():
                now = time.time()
                dt, last = now - last, now
                created = datetime.fromtimestamp(now, UTC)
                mentions: list[RawMention] = []
                if self.bulk_started is not None:
                    due = int(self.bulk_rate * (now - self.bulk_started)) - self.bulk_sent
                    for _ in range(max(0, due)):
                        post = self.base[cursor % len(self.base)]
                        cursor += 1
                        mentions.append(post.model_copy(update={"source_id": f"lat.{batch}.{len(mentions)}",
                                                                "created_at": created}))
                    self.bulk_sent += max(0, due)
                for term in self.terms:
                    rate = BASELINE_PER_MIN + sum(SPIKE_PER_MIN for s in self.spikes if s.term == term and s.active(now))
                    for _ in range(poisson(self.rnd, rate / 60 * dt)):
                        mentions.append(topic_mention(self.rnd, term, f"lat.{batch}.{len(mentions)}", now))
                if mentions:
                    self.batches[batch] = (time.time(), len(mentions))
                    publisher.publish(mentions)
                    publisher.flush()
                    self.published += len(mentions)
                    batch += 1
                self.stop_event.wait(max(0.0, TICK_S - (time.time() - now)))
        except BaseException as exc:  # reported by run()
            self.error = exc
        finally:
            publisher.close()

    def stop(self) -> None:
        self.stop_event.set()
        self.join(60)


class LandingPoller(threading.Thread):
    """Polls the query endpoint every ``POLL_S`` for mentions of the measured batches; one latency per mention."""

    def __init__(self, url: str, feed: LiveFeed, window: tuple[float, float]) -> None:
        super().__init__(daemon=True, name="landing-poller")
        self.url, self.feed, self.window = url, feed, window
        self.seen: dict[int, int] = {}
        self.latencies: list[float] = []
        self.by_batch: list[tuple[float, float, int]] = []
        """(publish time, latency, mentions) per batch and poll."""
        self.intervals: list[float] = []
        self.query_s: list[float] = []
        self.stop_event = threading.Event()
        self.error: BaseException | None = None

    def measured(self) -> dict[int, tuple[float, int]]:
        lo, hi = self.window
        return {b: v for b, v in list(self.feed.batches.items()) if lo <= v[0] < hi}

    def pending(self) -> dict[int, tuple[float, int]]:
        return {b: v for b, v in self.measured().items() if self.seen.get(b, 0) < v[1]}

    def done(self) -> bool:
        return time.time() > self.window[1] + 1 and not self.pending()

    def run(self) -> None:
        prev = time.time()
        try:
            while not self.stop_event.is_set() and not self.done():
                started = time.time()
                if started < self.window[0]:
                    self.stop_event.wait(self.window[0] - started)
                    prev = time.time()
                    continue
                pending = self.pending()
                oldest = min((v[0] for v in pending.values()), default=started)
                rows = http_query(self.url, "SELECT toUInt32(splitByChar('.', source_id)[2]) AS b, count() AS c "
                                            f"FROM mentions WHERE created_at >= toDateTime({int(oldest) - 2}) "
                                            "AND source_id LIKE 'lat.%' GROUP BY b")
                ended = time.time()
                self.query_s.append(ended - started)
                measured = self.measured()
                for row in rows:
                    b, c = int(row["b"]), int(row["c"])
                    new = c - self.seen.get(b, 0)
                    if new <= 0 or b not in measured:
                        continue
                    self.seen[b] = c
                    published = measured[b][0]
                    # not visible to the previous poll (snapshot after ``prev``), visible to this one
                    # (snapshot before ``ended``): the midpoint of that interval
                    landed = (max(prev, published) + ended) / 2
                    self.latencies.extend([landed - published] * new)
                    self.by_batch.append((published, landed - published, new))
                self.intervals.append(started - prev)
                prev = started
                self.stop_event.wait(max(0.0, POLL_S - (time.time() - started)))
        except BaseException as exc:  # reported by run()
            self.error = exc


def readyz(url: str) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return dict(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:  # 503 while joining / rebalancing carries the same body
        return dict(json.loads(exc.read()))
    except OSError:
        return {}


def batch_stats(metrics_url: str) -> dict[str, tuple[float, float]]:
    """{stage: (seconds, batches)} from the worker's ``earshot_batch_duration_seconds`` histogram."""
    import urllib.request

    with urllib.request.urlopen(metrics_url, timeout=5) as resp:
        text = resp.read().decode()
    out: dict[str, list[float]] = {}
    for line in text.splitlines():
        for suffix, i in (("_sum", 0), ("_count", 1)):
            head = f"earshot_batch_duration_seconds{suffix}{{stage=\""
            if line.startswith(head):
                stage = line[len(head):].split('"', 1)[0]
                out.setdefault(stage, [0.0, 0.0])[i] = float(line.rsplit(" ", 1)[1])
    return {k: (v[0], v[1]) for k, v in out.items()}


def prefill(base: list[RawMention], n_bulk: int, terms: tuple[str, ...], now: float,
            rnd: random.Random) -> list[RawMention]:
    """Three hours of spike-topic baseline history and ``n_bulk`` sample posts of the last five minutes, in time order."""
    out: list[tuple[float, RawMention]] = []
    start = (now // 60) * 60 - HISTORY_MIN * 60
    i = 0
    for minute in range(HISTORY_MIN + 1):
        for term in terms:
            for _ in range(poisson(rnd, BASELINE_PER_MIN)):
                at = start + minute * 60 + rnd.random() * 60
                if at < now:
                    out.append((at, topic_mention(rnd, term, f"pre.h{i}", at)))
                    i += 1
    for j in range(n_bulk):
        at = now - PREFILL_RECENT_S + PREFILL_RECENT_S * j / n_bulk
        post = base[j % len(base)]
        out.append((at, post.model_copy(update={"source_id": f"pre.{j}", "created_at": datetime.fromtimestamp(at, UTC)})))
    out.sort(key=lambda p: p[0])
    return [m for _, m in out]


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    from ingest.publisher import MentionPublisher

    n_bulk = 20_000 if quick else 60_000
    window_s = 30.0 if quick else 90.0
    terms = SPIKE_TERMS[:3] if quick else SPIKE_TERMS
    base = [RawMention.model_validate_json(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    rnd = random.Random(5)
    work = Path(tempfile.mkdtemp(prefix="earshot-bench-latency-"))
    broker = LocalBroker(work / "broker", port=free_port())
    catcher = TimedCatcher()
    env = demo_env(work, broker.bootstrap, free_port(), free_port(), catcher.url)
    env.pop("EARSHOT_SPIKE_POLL_S")  # the demo polls every second; the benchmark uses the defaults
    env["EARSHOT_APP_ID"] = "earshot-bench-latency"
    env["EARSHOT_WATCHLIST"] = str(work / "watchlist.yaml")
    write_watchlist(work / "watchlist.yaml", terms)
    settings = Settings(**{k.removeprefix("EARSHOT_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{env['EARSHOT_QUERY_HTTP_PORT']}"
    worker: subprocess.Popen[bytes] | None = None
    feed: LiveFeed | None = None
    poller: LandingPoller | None = None
    log_path = work / "worker.log"
    try:
        broker.start()
        ensure_topics(settings)

        # 1. maximum throughput: drain a pre-filled topic
        posts = prefill(base, n_bulk, terms, time.time(), rnd)
        publisher = MentionPublisher(settings)
        t = time.perf_counter()
        publisher.publish(posts)
        publisher.flush()
        publish_s = time.perf_counter() - t
        publisher.close()
        print(f"  pre-fill: {len(posts):,} mentions published in {publish_s:.1f}s "
              f"({len(posts) - n_bulk:,} of them spike-topic history over {HISTORY_MIN} min)")
        feed = LiveFeed(settings, base, terms)
        feed.start()  # spike-topic baseline continues live while the worker drains the pre-fill
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "earshot.cli", "worker"], stdout=log,
                                      stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
        deadline = time.monotonic() + 120
        while not http_ping(url):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start; see {log_path}")
            time.sleep(0.2)
        # timed from the group join (partitions assigned: the worker starts fetching) to the last row
        # queryable; the pipeline's fill time is included, so this is slightly conservative
        ready_url = f"http://127.0.0.1:{env['EARSHOT_WORKER_WEB_PORT']}/readyz"
        first = last = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if first is None:
                if readyz(ready_url).get("ready"):
                    first = time.perf_counter()
                else:
                    time.sleep(0.1)
                    continue
            count = int(http_query(url, "SELECT count() AS c FROM mentions WHERE source_id LIKE 'pre.%'")[0]["c"])
            if count >= len(posts):
                last = time.perf_counter()
                break
            if worker.poll() is not None:
                raise RuntimeError(f"worker exited; see {log_path}")
            time.sleep(0.1)
        if first is None or last is None:
            raise RuntimeError("the pre-fill did not land in time")
        max_rate = len(posts) / (last - first)
        print(f"  maximum throughput (pre-filled topic -> chdb): {max_rate:10,.0f} mentions/s")

        # 2. live at half of it, with staggered spikes
        target = max_rate / 2
        live_start = feed.start_bulk(target)
        gap = 9.0
        feed.spikes = [Spike(term, live_start + 10 + gap * i) for i, term in enumerate(terms)]
        window = (live_start + 5, live_start + 5 + window_s)
        poller = LandingPoller(url, feed, window)
        poller.start()
        metrics_url = f"http://127.0.0.1:{env['EARSHOT_WORKER_WEB_PORT']}/metrics"
        stats_start, stats_end, stats_span = batch_stats(metrics_url), None, (time.time(), 0.0)
        print(f"  live: {target:,.0f} mentions/s; spikes (+{SPIKE_PER_MIN:.0f}/min on a {BASELINE_PER_MIN:.0f}/min "
              f"baseline) on {len(terms)} topics, onsets every {gap:.0f}s from +10s; latency measured for "
              f"{window_s:.0f}s")
        alert_deadline = feed.spikes[-1].onset + 330
        while time.time() < alert_deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"worker exited; see {log_path}")
            if feed.error is not None or poller.error is not None:
                raise RuntimeError(f"feed/poller failed: {feed.error or poller.error!r}")
            if stats_end is None and time.time() > window[1]:
                stats_end = batch_stats(metrics_url)
                stats_span = (stats_span[0], time.time())
            if poller.done() and all(catcher.first_open(s.topic) for s in feed.spikes):
                break
            time.sleep(0.5)
        live_end = time.time()
        poller.stop_event.set()
        poller.join(10)
        published_live = feed.bulk_sent
        feed.stop()
        achieved = published_live / (live_end - live_start)

        # 3. publish -> queryable
        lat = sorted(poller.latencies)
        expected = sum(n for _, n in poller.measured().values())
        missing = expected - len(lat)
        poll_interval = statistics.median(poller.intervals) if poller.intervals else float("nan")
        p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
        query_s = statistics.median(poller.query_s) if poller.query_s else float("nan")
        print(f"  publish -> queryable: p50 {p50:,.0f} ms, p99 {p99:,.0f} ms, max {lat[-1] * 1000:,.0f} ms "
              f"over {len(lat):,} mentions ({missing} not seen); poll interval {poll_interval * 1000:.0f} ms, "
              f"a poll query {query_s * 1000:.0f} ms (resolution +-{(poll_interval + query_s) * 500:.0f} ms); "
              f"achieved rate {achieved:,.0f}/s = {achieved / max_rate:.2f} x maximum")

        thirds = []
        for k in range(3):
            lo = window[0] + k * window_s / 3
            part = sorted(v for t, v, n in poller.by_batch if lo <= t < lo + window_s / 3 for _ in range(n))
            thirds.append(f"{percentile(part, 50) * 1000:,.0f}")
        print(f"    p50 in each third of the window (steady if flat): {' / '.join(thirds)} ms")
        stages = http_query(url, "SELECT avg(toUInt32(enriched_at) - toUInt32(created_at)) AS enrich, "
                                 "avg(toUInt32(inserted_at) - toUInt32(enriched_at)) AS sink FROM mentions "
                                 f"WHERE created_at >= toDateTime({int(window[0])}) "
                                 f"AND created_at < toDateTime({int(window[1])}) AND source_id LIKE 'lat.%'")[0]
        print(f"    mean by stage (whole seconds stored, so +-0.5 s): publish -> enriched {float(stages['enrich']):.2f}s, "
              f"enriched -> inserted {float(stages['sink']):.2f}s")
        if stats_end is not None:
            parts = []
            for stage, (secs, n) in sorted(stats_end.items()):
                s0, n0 = stats_start.get(stage, (0.0, 0.0))
                if n > n0:
                    parts.append(f"{stage} {n - n0:.0f} batches of {(secs - s0) / (n - n0) * 1000:,.0f} ms "
                                 f"(busy {(secs - s0) / (stats_span[1] - stats_span[0]):.0%})")
            print(f"    worker batches in the window: {'; '.join(parts)}")

        # 4. onset -> alert delivered
        lateness = settings.spike_allowed_lateness_s
        delays = []
        print(f"  spike onset -> open alert at the webhook (lateness {lateness:.0f}s, poll {settings.spike_poll_s:.0f}s):")
        print(f"    {'topic':24s} {'onset s in min':>14s} {'delay s':>8s} {'to minute end':>13s} {'lateness':>8s} "
              f"{'rest':>6s}")
        for spike in feed.spikes:
            got = catcher.first_open(spike.topic)
            if got is None:
                print(f"    {spike.topic:24s} {spike.onset % 60:14.1f}  no alert before the deadline")
                continue
            at, alert = got
            opened = datetime.fromisoformat(str(alert["opened_at"]).replace("Z", "+00:00")).timestamp()
            delay = at - spike.onset
            delays.append(delay)
            print(f"    {spike.topic:24s} {spike.onset % 60:14.1f} {delay:8.1f} {opened - spike.onset:13.1f} "
                  f"{lateness:8.0f} {at - opened - lateness:6.1f}   ({alert['series']}, {alert['severity']}, "
                  f"{alert['observed']:.0f} vs {alert['expected']:.1f} expected)")
        if not delays:
            raise RuntimeError("no spike alert arrived")
        delays.sort()
        other = [a for a in catcher.received if not str(a.get("topic_id", "")).startswith("bench-")]
        print(f"  alert delay: median {statistics.median(delays):.1f}s, p99 {percentile(delays, 99):.1f}s over "
              f"{len(delays)} of {len(feed.spikes)} spikes; other alerts delivered: {len(other)}")
        return {
            "latency_max_mentions_per_s": {"value": round(max_rate, 1), "unit": "mentions/s"},
            "latency_rate_mentions_per_s": {"value": round(achieved, 1), "unit": "mentions/s"},
            "latency_p50_ms": {"value": round(p50, 1), "unit": "ms"},
            "latency_p99_ms": {"value": round(p99, 1), "unit": "ms"},
            "latency_samples": {"value": len(lat), "unit": "mentions"},
            "alert_delay_s": {"value": round(statistics.median(delays), 1), "unit": "s"},
            "alert_delay_p50_s": {"value": round(statistics.median(delays), 1), "unit": "s"},
            "alert_delay_p99_s": {"value": round(percentile(delays, 99), 1), "unit": "s"},
            "alert_delay_samples": {"value": len(delays), "unit": "spikes"},
        }
    finally:
        if poller is not None:
            poller.stop_event.set()
        if feed is not None and feed.is_alive():
            feed.stop()
        if worker is not None:
            stop_process(worker)
        broker.stop()
        catcher.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main(["latency", *sys.argv[1:]]))

"""Scale-out: two ``earshot worker`` processes in one consumer group share the partitions (issue 7).

Both workers use the same app id (Kafka consumer group) on topics of 4 partitions and write to one
real ClickHouse 18.16 server (chdb cannot be shared between processes). The test checks that:

* both workers are assigned partitions (their ``/readyz``), and together exactly all of them;
* the bundled sample data (3,811 mentions, with the planted Nimbus spike) lands exactly once while
  both run: ``mentions`` count, distinct keys and the published key set agree, topic rows too;
* the spike timer runs on the group leader only: the planted spike gives ONE alert chain
  (revisions 1..n, each delivered once to the webhook), not one per worker;
* SIGTERM of the leader while mentions flow: the other worker takes over every partition and the
  spike timer, and still every mention is stored once and the alert chain continues without a gap
  or a repeat.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from earshot.demo import WebhookCatcher
from earshot.kafka import ensure_topics
from earshot.services.ports import free_port
from earshot.settings import Settings
from ingest.publisher import MentionPublisher
from pipeline.alerting.watermark import closed_until
from schemas import RawMention
from tests.fixtures.clickhouse import unique_database
from tests.integration.kafka_helpers import read_topic
from tests.integration.worker_process import readyz, wait_until, worker_process

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "sample_mentions.jsonl"
SPLIT = datetime.fromisoformat("2026-11-02T12:27:00+00:00")  # inside the planted incident (12:20-12:35)
PARTITIONS = 4
# The group's partitions: raw, enriched, dead letters and alerts (the webhook notifier consumes it;
# created with 4 partitions like the others) plus Faust's one-partition leader-election topic.
TOPICS = 4 * PARTITIONS + 1


def scored_until(settings: Settings) -> float:
    scored = readyz(settings).get("spikes_scored_until")
    return datetime.fromisoformat(scored).timestamp() if scored else 0.0


def stored(query: Callable[[str], list[dict[str, Any]]]) -> tuple[int, int]:
    row = query("SELECT count() AS c, uniqExact(mention_key) AS u FROM mentions")[0]
    return int(row["c"]), int(row["u"])


def publish(settings: Settings, mentions: list[RawMention], chunks: int = 1, pause: float = 0.0) -> None:
    publisher = MentionPublisher(settings)
    try:
        size = -(-len(mentions) // chunks)
        for i in range(0, len(mentions), size):
            publisher.publish(mentions[i:i + size])
            publisher.flush()
            time.sleep(pause)
    finally:
        publisher.close()


def assert_exactly_once(query: Callable[[str], list[dict[str, Any]]], published: list[RawMention]) -> None:
    keys = {m.key for m in published}
    assert len(keys) == len(published)
    assert stored(query) == (len(keys), len(keys))
    assert {r["mention_key"] for r in query("SELECT mention_key FROM mentions")} == keys
    # one topic row per (mention, topic) the stored mention carries, as queries (FINAL) see it
    final = int(query("SELECT count() AS c FROM mention_topics FINAL")[0]["c"])
    pairs = int(query("SELECT count() AS c FROM (SELECT mention_key, arrayJoin(topics) AS t FROM mentions)")[0]["c"])
    assert final == pairs > len(keys) // 3
    missing = query("SELECT count() AS c FROM (SELECT mention_key, arrayJoin(topics) AS topic_id FROM mentions) "
                    "WHERE (mention_key, topic_id) NOT IN (SELECT mention_key, topic_id FROM mention_topics)")[0]
    assert int(missing["c"]) == 0
    # the per-minute aggregates (views on mentions) counted every mention once
    volume = int(query("SELECT sum(mentions) AS c FROM volume_1m")[0]["c"])
    assert volume == len(keys)


def assert_one_alert_chain(query: Callable[[str], list[dict[str, Any]]], settings: Settings,
                           delivered: list[dict[str, Any]]) -> None:
    """One incident, revisions 1..n stored, published and delivered once each."""
    row = query("SELECT count() AS c, uniqExact(alert_id, revision) AS u, uniqExact(alert_id) AS a FROM alerts")[0]
    assert int(row["c"]) == int(row["u"]) and int(row["a"]) == 1, row
    stored_revs = sorted((r["alert_id"], int(r["revision"])) for r in query("SELECT alert_id, revision FROM alerts"))
    sent = [json.loads(r.value) for r in read_topic(settings, settings.topic_alerts, len(stored_revs), timeout=5)]
    assert sorted((a["alert_id"], int(a["revision"])) for a in sent) == stored_revs
    assert [a["revision"] for a in delivered] == list(range(1, len(delivered) + 1)), delivered
    assert len({a["alert_id"] for a in delivered}) == 1
    assert [(a["alert_id"], a["revision"]) for a in delivered] == stored_revs
    assert delivered[0]["status"] == "open" and delivered[-1]["status"] == "resolved"
    assert delivered[0]["topic_id"].startswith("nimbus")


def test_two_workers_share_partitions_and_store_every_mention_once(kafka_settings: Settings, clickhouse_server: Any,
                                                                   tmp_path: Path) -> None:
    from sinks.backends import ServerBackend

    mentions = [RawMention.model_validate_json(line) for line in DATA.read_text().splitlines()]
    first = [m for m in mentions if m.created_at < SPLIT]
    rest = [m for m in mentions if m.created_at >= SPLIT]
    database = unique_database("scale")
    catcher = WebhookCatcher()
    # Small envelopes and batches so every partition carries traffic and batches interleave.
    base = kafka_settings.model_copy(update={
        "partitions": PARTITIONS, "clickhouse_url": f"{clickhouse_server.url.rsplit('/', 1)[0]}/{database}",
        "envelope_max_mentions": 25, "batch_max_messages": 20, "spike_poll_s": 1.0,
        "alert_webhook_url": catcher.url})
    one = base.model_copy(update={"data_dir": tmp_path / "w1"})
    two = base.model_copy(update={"data_dir": tmp_path / "w2", "worker_web_port": free_port(),
                                  "query_http_port": free_port()})
    ensure_topics(base)
    backend = ServerBackend(port=clickhouse_server.tcp_port, database=database)
    lateness = base.spike_allowed_lateness_s
    started = time.monotonic()
    try:
        log1, log2 = tmp_path / "worker1.log", tmp_path / "worker2.log"
        with worker_process(one, log1) as proc1, worker_process(two, log2) as proc2:
            procs = {1: (one, proc1, log1), 2: (two, proc2, log2)}

            seen: list[Any] = []

            def shared() -> bool:
                a, b = readyz(one), readyz(two)
                seen[:] = [a, b]
                return bool(a.get("ready") and b.get("ready")
                            and a["assigned_partitions"] + b["assigned_partitions"] == TOPICS)

            try:
                wait_until(shared, 90, proc1, log1, "both workers to share the partitions")
            except AssertionError as exc:
                raise AssertionError(f"last /readyz: {seen}\n{exc}") from None
            assert proc2.poll() is None, log2.read_text(errors="replace")[-4000:]
            split = {n: readyz(s)["assigned_partitions"] for n, (s, _, _) in procs.items()}
            assert all(split.values()) and sum(split.values()) == TOPICS, split

            # -- phase 1: both workers consume the first half (up to the middle of the planted spike)
            publish(base, first, chunks=4)
            target = closed_until(max(m.created_at for m in first).timestamp(), lateness)
            wait_until(lambda: stored(backend.query)[1] >= len(first), 90, proc1, log1, "the first half stored")
            leaders = []

            def one_leader_scored() -> bool:
                leaders[:] = [n for n, (s, _, _) in procs.items() if scored_until(s) > 0]
                return len(leaders) == 1 and scored_until(procs[leaders[0]][0]) >= target

            wait_until(one_leader_scored, 90, proc1, log1, "the leader's spike timer to score the first half")
            wait_until(lambda: len(catcher.received) >= 1, 30, proc1, log1, "the opening alert")
            assert_exactly_once(backend.query, first)
            both = {n: readyz(s) for n, (s, _, _) in procs.items()}
            assert all(b["inserted"] > 0 for b in both.values()), both  # both sinks wrote rows
            opened = len(catcher.received)

            # -- phase 2: SIGTERM the leader while the rest flows; the other one takes over everything
            (leader,) = leaders
            (follower,) = set(procs) - {leader}
            feeder = threading.Thread(target=publish, args=(base, rest, 6, 0.3), daemon=True)
            feeder.start()
            time.sleep(0.5)
            stopped = procs[leader][1]
            stopped.send_signal(signal.SIGTERM)
            assert stopped.wait(45) == 0, procs[leader][2].read_text(errors="replace")[-4000:]
            feeder.join(60)
            assert not feeder.is_alive()

            f_settings, f_proc, f_log = procs[follower]
            wait_until(lambda: readyz(f_settings).get("ready") and readyz(f_settings)["assigned_partitions"] == TOPICS,
                       60, f_proc, f_log, "the remaining worker to take over every partition")
            wait_until(lambda: stored(backend.query)[1] >= len(mentions), 90, f_proc, f_log, "every mention stored")
            end = closed_until(max(m.created_at for m in mentions).timestamp(), lateness)
            wait_until(lambda: scored_until(f_settings) >= end, 90, f_proc, f_log,
                       "the new leader to score everything")
            wait_until(lambda: catcher.received and catcher.received[-1]["status"] == "resolved", 30, f_proc, f_log,
                       "the incident to resolve")
            time.sleep(1)  # a duplicate insert or delivery would show up by now
            assert_exactly_once(backend.query, mentions)
            assert_one_alert_chain(backend.query, base, list(catcher.received))
            assert len(catcher.received) > opened
        print(f"\nworkers split the partitions {split}; worker {leader} (leader) stopped mid-stream; "
              f"{len(mentions)} mentions stored once, {len(catcher.received)} alert revisions of one incident, "
              f"{time.monotonic() - started:.0f} s")
    finally:
        catcher.close()
        backend.execute(f"DROP DATABASE IF EXISTS {database}")
        backend.close()


def test_workers_upgrading_at_once_backfill_the_aggregates_once(clickhouse_server: Any) -> None:
    """Two workers racing through migration 2 on a store with mentions (e.g. both replicas of a
    deployment upgraded at once): each old mention is counted once in the per-minute aggregates, not
    once per worker (only the worker whose CREATE made a view backfills that view's table)."""
    from sinks.backends import ServerBackend
    from sinks.migrations import MIGRATIONS, migrate
    from sinks.writers import MentionWriter
    from tests.fixtures.clickhouse import make_mention

    database = unique_database("race")
    backend = ServerBackend(port=clickhouse_server.tcp_port, database=database)
    try:
        migrate(backend, MIGRATIONS[:1])  # a store of schema version 1 ...
        assert MentionWriter(backend).write([make_mention(i) for i in range(500)]) == 500
        time.sleep(1.1)  # ... written before the upgrade (whole seconds: inserted_at < the views' creation)
        barrier = threading.Barrier(3)
        results: dict[int, list[int]] = {}
        errors: list[BaseException] = []

        def upgrade(n: int) -> None:
            worker = ServerBackend(port=clickhouse_server.tcp_port, database=database)
            try:
                barrier.wait(10)
                results[n] = migrate(worker)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                worker.close()

        threads = [threading.Thread(target=upgrade, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert all(2 in applied for applied in results.values()), results  # all raced through migration 2
        assert int(backend.query("SELECT sum(mentions) AS c FROM volume_1m")[0]["c"]) == 500
        by_topic = backend.query("SELECT sum(mentions) AS c FROM topic_volume_1m WHERE topic_id = 'acme'")
        assert int(by_topic[0]["c"]) == 500
        # and the views count what comes after, once
        assert MentionWriter(backend).write([make_mention(i) for i in range(500, 600)]) == 100
        assert int(backend.query("SELECT sum(mentions) AS c FROM volume_1m")[0]["c"]) == 600
    finally:
        backend.execute(f"DROP DATABASE IF EXISTS {database}")
        backend.close()

"""End to end on real components: ingest -> Tansu -> Faust worker -> ClickHouse (chdb and 18.16 server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from earshot.kafka import ensure_topics
from earshot.query_client import http_ping, http_query
from earshot.settings import Settings
from ingest.publisher import MentionPublisher
from ingest.records import validate_record
from ingest.replay import replay
from ingest.sources import JsonlSource
from schemas import RawMention
from tests.fixtures.clickhouse import unique_database
from tests.integration.worker_process import wait_until, worker_process

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data"
N_VALID = 400


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path, list[RawMention]]:
    """A slice of the sample data plus the invalid samples, and the valid mentions they hold."""
    lines = (DATA / "sample_mentions.jsonl").read_text().splitlines()[:N_VALID]
    valid_file = tmp_path / "valid.jsonl"
    valid_file.write_text("\n".join(lines) + "\n")
    mentions = [RawMention.model_validate_json(line) for line in lines]
    return valid_file, DATA / "sample_invalid.jsonl", mentions


@pytest.fixture(params=["chdb", "server"])
def store(request: pytest.FixtureRequest, kafka_settings: Settings, tmp_path: Path) -> tuple[Settings, Callable[[str], list[dict[str, Any]]]]:
    """Worker settings for one backend, and a function that queries that store from the test."""
    if request.param == "chdb":
        settings = kafka_settings.model_copy(update={"clickhouse_url": f"chdb://{tmp_path / 'chdb'}"})
        url = f"http://127.0.0.1:{settings.query_http_port}"
        return settings, lambda sql: http_query(url, sql)
    from sinks.backends import ServerBackend

    server = request.getfixturevalue("clickhouse_server")
    database = unique_database("e2e")
    settings = kafka_settings.model_copy(
        update={"clickhouse_url": f"clickhouse://default:@127.0.0.1:{server.tcp_port}/{database}"})
    backend = ServerBackend(port=server.tcp_port, database=database)
    request.addfinalizer(backend.close)
    return settings, backend.query


def publish(settings: Settings, *paths: Path) -> tuple[int, int, dict[tuple[str, int], int]]:
    """Replay files; returns valid and invalid counts and the end offsets the worker must reach."""
    publisher = MentionPublisher(settings)
    valid = invalid = 0
    try:
        for path in paths:
            result = replay(JsonlSource(path), publisher, progress=False)
            valid += result.valid
            invalid += result.invalid
    finally:
        publisher.close()
    return valid, invalid, publisher.stats.end_offsets


def test_mentions_flow_end_to_end_exactly_once(store: tuple[Settings, Any], inputs: Any, tmp_path: Path) -> None:
    settings, query = store
    valid_file, invalid_file, mentions = inputs
    ensure_topics(settings)
    n_invalid = sum(1 for r in JsonlSource(invalid_file).records() if not isinstance(validate_record(r), RawMention))
    log = tmp_path / "worker.log"

    def counts() -> tuple[int, int, int]:
        row = query("SELECT (SELECT count() FROM mentions) AS c, (SELECT uniqExact(mention_key) FROM mentions) AS u, "
                    "(SELECT count() FROM dead_letters) AS d")[0]
        return int(row["c"]), int(row["u"]), int(row["d"])

    with worker_process(settings, log) as proc:
        if settings.clickhouse_url.startswith("chdb"):
            wait_until(lambda: http_ping(f"http://127.0.0.1:{settings.query_http_port}"), 90, proc, log, "query endpoint")
        assert publish(settings, valid_file, invalid_file)[:2] == (N_VALID, n_invalid)
        # an outside producer writing one bare JSON mention per message, plus garbage
        from kafka import KafkaProducer

        outside = RawMention(platform="x", source_id="outside-1", text="Acme Coffee from kcat",
                             created_at=mentions[0].created_at)
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
        producer.send(settings.topic_raw, json.dumps(outside.model_dump(mode="json")).encode(), key=b"outside-1")
        producer.send(settings.topic_raw, b"\x00not json at all")
        producer.flush()
        producer.close()

        wait_until(lambda: counts()[1] >= N_VALID + 1 and counts()[2] >= n_invalid + 1, 120, proc, log, "rows")
        assert counts() == (N_VALID + 1, N_VALID + 1, n_invalid + 1)

        # replaying the same input does not double-count
        ends = publish(settings, valid_file)[2]
        wait_until(lambda: _caught_up(settings, ends), 60, proc, log, "the replay to be committed")
        assert counts()[:2] == (N_VALID + 1, N_VALID + 1)

        check_enrichment(query, mentions, settings)
        health = _get_json(f"http://127.0.0.1:{settings.worker_web_port}/healthz")
        ready = _get_json(f"http://127.0.0.1:{settings.worker_web_port}/readyz")
        assert health["status"] == "ok" and ready["ready"] is True and ready["assigned_partitions"] > 0
        assert ready["enriched"] >= N_VALID
        dead = query("SELECT stage, error_type, reason, payload FROM dead_letters")
        assert {d["stage"] for d in dead} == {"ingest", "enrich"}
        assert all(d["reason"] for d in dead)
        assert any(d["stage"] == "enrich" and "not valid JSON" in d["reason"] for d in dead)
        assert any("created_at" in d["reason"] for d in dead)


def _get_json(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def _caught_up(settings: Settings, raw_ends: dict[tuple[str, int], int]) -> bool:
    """True once the worker committed the replayed raw offsets, and everything enriched since."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        committed = {tp: meta.offset for tp, meta in admin.list_group_offsets(settings.app_id)[settings.app_id].items()}
        if any(committed.get(TopicPartition(t, p), -1) < end for (t, p), end in raw_ends.items()):
            return False
        # the enrich agent acknowledges raw input only after its output was acknowledged
        tps = [TopicPartition(settings.topic_enriched, p) for p in range(settings.partitions)]
        return all(committed.get(tp, -1) >= end for tp, end in consumer.end_offsets(tps).items())
    finally:
        consumer.close()
        admin.close()


def check_enrichment(query: Callable[[str], list[dict[str, Any]]], mentions: list[RawMention],
                     settings: Settings) -> None:
    """Stored topics and sentiment are what enrich/ computes for the same posts."""
    from pipeline.enrichment import EnricherHolder

    enricher = EnricherHolder(settings)()
    rows = {r["mention_key"]: r for r in query(
        "SELECT mention_key, topics, sentiment_label, sentiment_compound, sentiment_scored, text FROM mentions")}
    topic_rows = query("SELECT mention_key, topic_id, matched_terms FROM mention_topics")
    by_key: dict[str, set[str]] = {}
    for r in topic_rows:
        by_key.setdefault(r["mention_key"], set()).add(r["topic_id"])
    with_topics = 0
    for m in mentions:
        expected = enricher.enrich(m, m.created_at)
        row = rows[m.key]
        assert sorted(row["topics"]) == sorted(t.topic_id for t in expected.topics), m.text
        assert by_key.get(m.key, set()) == {t.topic_id for t in expected.topics}
        assert row["text"] == expected.text
        if expected.sentiment is None:
            assert int(row["sentiment_scored"]) == 0
        else:
            assert row["sentiment_label"] == expected.sentiment.label
            assert abs(float(row["sentiment_compound"]) - expected.sentiment.compound) < 1e-4
        with_topics += bool(expected.topics)
    assert with_topics > len(mentions) // 2  # the sample posts are about the watched brands

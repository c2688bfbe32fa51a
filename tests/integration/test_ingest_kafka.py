"""Ingest against the real broker: envelopes, partition affinity, dead letters, webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from earshot.kafka import ensure_topics, partition_for
from earshot.settings import Settings
from ingest.publisher import MentionPublisher
from ingest.replay import replay
from ingest.sources import JsonlSource
from schemas import DeadLetter, RawMention, decode_mentions
from tests.integration.kafka_helpers import read_topic

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def mention(i: int) -> dict[str, object]:
    return {"platform": "x", "source_id": f"s{i}", "text": f"post number {i}",
            "created_at": (T0 + timedelta(seconds=i)).isoformat()}


def write_jsonl(path: Path, n: int, invalid: list[str]) -> Path:
    lines = [json.dumps(mention(i)) for i in range(n)] + invalid
    path.write_text("\n".join(lines) + "\n")
    return path


def test_replay_publishes_envelopes_by_partition_and_dead_letters(kafka_settings: Settings, tmp_path: Path) -> None:
    settings = kafka_settings.model_copy(update={"envelope_max_mentions": 7})
    ensure_topics(settings)
    src = write_jsonl(tmp_path / "in.jsonl", 50, ['{"platform": "x"}', "not json"])
    publisher = MentionPublisher(settings)
    try:
        result = replay(JsonlSource(src), publisher, progress=False)
    finally:
        publisher.close()
    assert (result.valid, result.invalid, result.stats.published, result.stats.dead_lettered) == (50, 2, 50, 2)

    records = read_topic(settings, settings.topic_raw, expect=result.stats.envelopes)
    assert len(records) == result.stats.envelopes
    seen = []
    for rec in records:
        good, bad = decode_mentions(rec.value, RawMention)
        assert bad == [] and 1 <= len(good) <= 7
        for m in good:  # every mention sits in the partition of its key
            assert rec.partition == partition_for(m.key, settings.partitions)
        seen.extend(m.source_id for m in good)
    assert sorted(seen) == sorted(f"s{i}" for i in range(50))

    dead = [DeadLetter.model_validate_json(r.value) for r in read_topic(settings, settings.topic_deadletter, 2)]
    assert sorted(d.error_type for d in dead) == ["parse", "validation"]
    assert any("created_at" in d.reason and d.payload == '{"platform": "x"}' for d in dead)
    assert any(d.payload == "not json" and d.source == "in.jsonl:52" for d in dead)


def test_publisher_reports_undeliverable_messages(kafka_settings: Settings) -> None:
    from ingest.errors import PublishError

    settings = kafka_settings.model_copy(update={"envelope_max_bytes": 10_000})
    ensure_topics(settings)

    class FailingProducer:
        """A producer whose sends fail synchronously, like a full buffer or a dead broker."""

        def partitions_for(self, _topic: str) -> set[int]:
            return {0, 1}

        def send(self, *_a: object, **_k: object) -> None:
            raise TimeoutError("broker unreachable")

        def flush(self, timeout: float | None = None) -> None:
            return None

    publisher = MentionPublisher(settings, producer=FailingProducer(), resend_attempts=2)
    publisher.publish([RawMention.model_validate(mention(i)) for i in range(3)])
    with pytest.raises(PublishError) as err:
        publisher.flush()
    assert err.value.failed == 3 and "broker unreachable" in str(err.value)


async def test_webhook_accepts_valid_and_rejects_invalid_with_field_errors(kafka_settings: Settings) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from ingest.webhook import create_webhook_app

    ensure_topics(kafka_settings)
    publisher = MentionPublisher(kafka_settings)
    client = TestClient(TestServer(create_webhook_app(publisher), host="127.0.0.1"))
    await client.start_server()
    try:
        r = await client.post("/mentions", json=mention(1))
        assert r.status == 202 and (await r.json()) == {"accepted": 1}
        r = await client.post("/mentions", json=[mention(2), {**mention(3), "created_at": "yesterday"}, mention(4)])
        body = await r.json()
        assert r.status == 422 and body["accepted"] == 2
        assert body["rejected"][0]["index"] == 1
        assert body["rejected"][0]["errors"][0]["field"] == "created_at"
        r = await client.post("/mentions", data=b"{oops")
        assert r.status == 400
    finally:
        await client.close()
        publisher.close()
    raw = read_topic(kafka_settings, kafka_settings.topic_raw, expect=2)
    ids = sorted(m.source_id for rec in raw for m in decode_mentions(rec.value, RawMention)[0])
    assert ids == ["s1", "s2", "s4"]
    dead = [DeadLetter.model_validate_json(r.value) for r in read_topic(kafka_settings, kafka_settings.topic_deadletter, 2)]
    assert sorted(d.stage for d in dead) == ["webhook", "webhook"]
    assert any("created_at" in d.reason for d in dead) and any(d.payload == "{oops" for d in dead)

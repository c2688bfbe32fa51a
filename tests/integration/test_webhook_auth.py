"""The signed webhook against the real broker: signed mentions reach Kafka, unsigned ones nothing."""

from __future__ import annotations

import json
import time

import pytest

from earshot.kafka import ensure_topics
from earshot.settings import Settings
from ingest.auth import WebhookAuth, sign
from ingest.publisher import MentionPublisher
from schemas import RawMention, decode_mentions
from tests.integration.kafka_helpers import read_topic
from tests.integration.test_ingest_kafka import mention

pytestmark = pytest.mark.integration


async def test_only_signed_requests_reach_kafka(kafka_settings: Settings) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from ingest.webhook import create_webhook_app

    settings = kafka_settings.model_copy(update={"webhook_secret": "hook-secret", "webhook_require_timestamp": True})
    ensure_topics(settings)
    publisher = MentionPublisher(settings)
    auth = WebhookAuth.from_settings(settings)
    assert auth.mode == "hmac-sha256"
    client = TestClient(TestServer(create_webhook_app(publisher, auth), host="127.0.0.1"))
    await client.start_server()
    try:
        unsigned = json.dumps(mention(1)).encode()
        r = await client.post("/mentions", data=unsigned)
        assert r.status == 401
        r = await client.post("/mentions", data=b"not json", headers={"X-Hub-Signature-256": "sha256=bad"})
        assert r.status == 401
        r = await client.post("/mentions", data=unsigned, headers={"X-Hub-Signature-256": sign("hook-secret", unsigned)})
        assert r.status == 401  # the timestamp is required here
        body = json.dumps([mention(2), {**mention(3), "created_at": "yesterday"}]).encode()
        ts = int(time.time())
        r = await client.post("/mentions", data=body, headers={"X-Hub-Signature-256": sign("hook-secret", body, ts),
                                                               "X-Earshot-Timestamp": str(ts)})
        assert r.status == 422 and (await r.json())["accepted"] == 1
    finally:
        await client.close()
        publisher.close()
    raw = read_topic(settings, settings.topic_raw, expect=1)
    assert [m.source_id for rec in raw for m in decode_mentions(rec.value, RawMention)[0]] == ["s2"]
    dead = read_topic(settings, settings.topic_deadletter, expect=1)
    assert len(dead) == 1 and b"yesterday" in dead[0].value  # only the signed request's invalid item

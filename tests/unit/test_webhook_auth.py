"""Webhook authentication: HMAC-SHA256 (GitHub/Meta style, optional signed timestamp) and bearer token.

Runs the real aiohttp receiver on 127.0.0.1 with an in-memory publisher (the Kafka path is covered by
tests/integration/test_webhook_auth.py).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from earshot.settings import Settings
from ingest.auth import AuthFailed, WebhookAuth, sign
from ingest.webhook import create_webhook_app
from pipeline import metrics

SECRET = "It's a Secret to Everybody"
BODY = json.dumps({"platform": "x", "source_id": "1", "text": "hi Acme",
                   "created_at": "2026-11-02T09:00:00+00:00"}).encode()


class MemoryPublisher:
    def __init__(self) -> None:
        self.published: list[Any] = []
        self.dead: list[Any] = []

    def publish(self, mentions: list[Any]) -> None:
        self.published.extend(mentions)

    def dead_letter(self, letter: Any) -> None:
        self.dead.append(letter)

    def flush(self) -> None:
        pass


def test_signature_matches_githubs_documented_example() -> None:
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    assert sign(SECRET, b"Hello, World!") == \
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_hmac_verify_accepts_good_and_refuses_bad_missing_and_stale() -> None:
    auth = WebhookAuth("hmac-sha256", SECRET.encode())
    auth.verify({"X-Hub-Signature-256": sign(SECRET, BODY)}, BODY)
    now = 1_790_000_000
    auth.verify({"X-Hub-Signature-256": sign(SECRET, BODY, now), "X-Earshot-Timestamp": str(now)}, BODY, now + 299)
    cases = [({}, "missing"),
             ({"X-Hub-Signature-256": sign("other", BODY)}, "invalid"),
             ({"X-Hub-Signature-256": sign(SECRET, BODY + b" ")}, "invalid"),
             ({"X-Hub-Signature-256": sign(SECRET, BODY, now), "X-Earshot-Timestamp": str(now)}, "expired"),
             ({"X-Hub-Signature-256": sign(SECRET, BODY), "X-Earshot-Timestamp": str(now + 400)}, "invalid"),
             ({"X-Hub-Signature-256": sign(SECRET, BODY, now), "X-Earshot-Timestamp": "soon"}, "invalid")]
    for headers, reason in cases:
        with pytest.raises(AuthFailed) as err:
            auth.verify(headers, BODY, now + 400)
        assert err.value.reason == reason, headers
        assert SECRET not in err.value.message
    strict = WebhookAuth("hmac-sha256", SECRET.encode(), require_timestamp=True)
    with pytest.raises(AuthFailed, match="X-Earshot-Timestamp"):
        strict.verify({"X-Hub-Signature-256": sign(SECRET, BODY)}, BODY)


def test_token_verify() -> None:
    auth = WebhookAuth("token", SECRET.encode())
    auth.verify({"Authorization": f"Bearer {SECRET}"}, BODY)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {SECRET}"}):
        with pytest.raises(AuthFailed):
            auth.verify(headers, BODY)


def test_mode_from_settings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert WebhookAuth.from_settings(Settings()).mode == "none"
    assert "authentication is OFF" in caplog.text
    assert WebhookAuth.from_settings(Settings(webhook_secret="s")).mode == "hmac-sha256"
    assert WebhookAuth.from_settings(Settings(webhook_secret="s", webhook_auth="token")).mode == "token"
    with pytest.raises(ValueError, match="EARSHOT_WEBHOOK_SECRET"):
        WebhookAuth.from_settings(Settings(webhook_auth="hmac-sha256"))
    assert "s3cret" not in repr(WebhookAuth("token", b"s3cret")) + repr(Settings(webhook_secret="s3cret"))


@pytest.fixture
async def client_for() -> Any:
    clients: list[TestClient] = []

    async def make(auth: WebhookAuth) -> tuple[TestClient, MemoryPublisher]:
        publisher = MemoryPublisher()
        client = TestClient(TestServer(create_webhook_app(publisher, auth), host="127.0.0.1"))  # type: ignore[arg-type]
        await client.start_server()
        clients.append(client)
        return client, publisher

    yield make
    for c in clients:
        await c.close()


async def test_receiver_refuses_unsigned_requests_without_dead_lettering_them(
        client_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    client, publisher = await client_for(WebhookAuth("hmac-sha256", SECRET.encode()))
    before_401 = metrics.value("earshot_webhook_requests_total", status="401")
    before_202 = metrics.value("earshot_webhook_requests_total", status="202")
    before_invalid = metrics.value("earshot_webhook_auth_failures_total", reason="invalid")
    with caplog.at_level(logging.WARNING):
        r = await client.post("/mentions", data=BODY)
        assert r.status == 401 and "error" in await r.json()
        r = await client.post("/mentions", data=b"{junk", headers={"X-Hub-Signature-256": "sha256=00"})
        body = await r.json()
        assert r.status == 401 and sign(SECRET, b"{junk") not in json.dumps(body)
    assert publisher.published == [] and publisher.dead == []  # dropped, not dead-lettered
    assert "{junk" not in caplog.text and "unauthenticated request" in caplog.text
    ts = int(time.time())
    r = await client.post("/mentions", data=BODY, headers={"X-Hub-Signature-256": sign(SECRET, BODY, ts),
                                                           "X-Earshot-Timestamp": str(ts)})
    assert r.status == 202 and (await r.json()) == {"accepted": 1}
    r = await client.post("/mentions", data=BODY, headers={"X-Hub-Signature-256": sign(SECRET, BODY)})
    assert r.status == 202
    assert [m.source_id for m in publisher.published] == ["1", "1"]
    assert metrics.value("earshot_webhook_requests_total", status="401") - before_401 == 2
    assert metrics.value("earshot_webhook_requests_total", status="202") - before_202 == 2
    assert metrics.value("earshot_webhook_auth_failures_total", reason="invalid") - before_invalid == 1
    r = await client.get("/healthz")  # health and metrics stay open
    assert r.status == 200
    r = await client.get("/metrics")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'earshot_webhook_requests_total{status="401"}' in await r.text()


async def test_receiver_token_mode(client_for: Any) -> None:
    client, publisher = await client_for(WebhookAuth("token", SECRET.encode()))
    r = await client.post("/mentions", data=BODY, headers={"Authorization": "Bearer wrong"})
    assert r.status == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    r = await client.post("/mentions", data=BODY, headers={"Authorization": f"Bearer {SECRET}"})
    assert r.status == 202 and len(publisher.published) == 1


async def test_receiver_without_auth_still_accepts_and_dead_letters_bad_input(client_for: Any) -> None:
    client, publisher = await client_for(WebhookAuth())
    r = await client.post("/mentions", data=b"{oops")
    assert r.status == 400 and len(publisher.dead) == 1
    r = await client.post("/mentions", data=BODY)
    assert r.status == 202

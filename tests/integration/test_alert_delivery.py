"""Alert delivery against real local endpoints: an HTTP server and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from earshot.services.ports import free_port
from pipeline.alerting.delivery import DeliveryLog, deliver_until_done
from sinks.notifiers.email import EmailNotifier
from sinks.notifiers.http import PagerDutyNotifier, SlackNotifier, WebhookNotifier
from tests.unit.test_alerting import alert

pytestmark = pytest.mark.integration


class Receiver:
    """An HTTP endpoint that fails the first ``failures`` requests with 503, then accepts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(json.loads(await request.read()))
        self.headers.append(dict(request.headers))
        if len(self.requests) <= self.failures:
            return web.Response(status=503, text="try later")
        return web.json_response({"status": "success"}, status=202)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield rec, str(server.make_url("/hook"))
    finally:
        await server.close()


async def test_webhook_delivery_is_retried_recorded_and_not_repeated(receiver: tuple[Receiver, str],
                                                                     ch_backend: Any) -> None:
    rec, url = receiver
    deliveries = DeliveryLog(ch_backend)
    a = alert("a1", "nimbus")
    attempts = await deliver_until_done(WebhookNotifier(url, timeout=5), a, deliveries, max_backoff=0.05,
                                        first_backoff=0.01)
    assert attempts == 3 and len(rec.requests) == 3
    assert rec.requests[-1]["alert_id"] == "a1" and rec.requests[-1]["top_terms"] == ["battery", "hot"]
    assert rec.headers[-1]["Idempotency-Key"] == "a1:1"
    rows = ch_backend.query("SELECT status, attempt, error FROM alert_deliveries ORDER BY attempt")
    assert [r["status"] for r in rows] == ["failed", "failed", "delivered"]
    assert "503" in rows[0]["error"]
    # a replay of the same revision is not delivered twice; the next revision is
    assert await deliver_until_done(WebhookNotifier(url), a, deliveries) == 0
    assert await deliver_until_done(WebhookNotifier(url), alert("a1", "nimbus", "update", 2), deliveries) == 1
    assert len(rec.requests) == 4


async def test_slack_and_pagerduty_payloads_reach_the_endpoint(receiver: tuple[Receiver, str], ch_backend: Any) -> None:
    rec, url = receiver
    rec.failures = 0
    deliveries = DeliveryLog(ch_backend)
    await deliver_until_done(SlackNotifier(url), alert("s1", "acme"), deliveries)
    await deliver_until_done(PagerDutyNotifier("ROUTING", url), alert("p1", "acme"), deliveries)
    await deliver_until_done(PagerDutyNotifier("ROUTING", url), alert("p1", "acme", "resolved", 2), deliveries)
    slack, trigger, resolve = rec.requests
    assert slack["text"].startswith("[WARNING] OPEN acme") and slack["blocks"]
    assert trigger["event_action"] == "trigger" and trigger["dedup_key"] == "p1"
    assert resolve == {"routing_key": "ROUTING", "event_action": "resolve", "dedup_key": "p1"}


async def test_email_delivery_through_a_real_smtp_server(ch_backend: Any) -> None:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        notifier = EmailNotifier("127.0.0.1", port, "earshot@test", ["oncall@test"], timeout=5)
        assert await deliver_until_done(notifier, alert("e1", "skylark", severity="critical"),
                                        DeliveryLog(ch_backend)) == 1
    finally:
        controller.stop()
    assert len(received) == 1 and received[0].rcpt_tos == ["oncall@test"]
    text = received[0].content.decode()
    assert "Subject: [CRITICAL] OPEN skylark" in text and "techdaily" in text


async def test_unreachable_endpoint_keeps_retrying_and_records_failures(ch_backend: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}/nothing-listens-here"
    task = asyncio.create_task(deliver_until_done(WebhookNotifier(url, timeout=1), alert("u1", "acme"),
                                                  DeliveryLog(ch_backend), max_backoff=0.05, first_backoff=0.01))
    await asyncio.sleep(1.5)
    assert not task.done()  # never gives up on its own: the alert is not lost
    task.cancel()
    rows = ch_backend.query("SELECT count() AS n FROM alert_deliveries WHERE alert_id = 'u1' AND status = 'failed'")
    assert int(rows[0]["n"]) >= 2

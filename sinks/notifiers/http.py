"""HTTP notifiers: a generic JSON webhook, Slack incoming webhooks, PagerDuty Events API v2."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from schemas import Alert
from sinks.notifiers.base import DeliveryError
from sinks.notifiers.format import body, title

_PD_SEVERITY = {"info": "info", "warning": "warning", "critical": "critical"}


async def post_json(url: str, payload: dict[str, Any], timeout: float, headers: dict[str, str] | None = None) -> None:
    """POST ``payload``; any non-2xx answer or network error is a :class:`DeliveryError`."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.post(url, data=json.dumps(payload, default=str),
                                    headers={"Content-Type": "application/json", **(headers or {})}) as resp:
                if resp.status >= 300:
                    text = (await resp.text())[:300]
                    raise DeliveryError(f"HTTP {resp.status} from {url}: {text}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DeliveryError(f"{type(exc).__name__} posting to {url}: {exc}") from exc


class WebhookNotifier:
    """POSTs the alert as JSON (the ``schemas.Alert`` model), with an ``Idempotency-Key`` header."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url, timeout

    async def deliver(self, alert: Alert) -> None:
        await post_json(self.url, alert.model_dump(mode="json"), self.timeout,
                        {"Idempotency-Key": f"{alert.alert_id}:{alert.revision}"})


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook message (``text`` fallback plus blocks)."""
    return {
        "text": title(alert),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title(alert)[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```" + body(alert)[:2900] + "```"}},
        ],
    }


class SlackNotifier:
    name = "slack"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url, timeout

    async def deliver(self, alert: Alert) -> None:
        await post_json(self.url, slack_payload(alert), self.timeout)


def pagerduty_event(alert: Alert, routing_key: str) -> dict[str, Any]:
    """A PagerDuty Events API v2 event: trigger (open/update) or resolve, deduplicated by alert id."""
    if alert.status == "resolved":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": alert.alert_id}
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.alert_id,
        "payload": {
            "summary": title(alert)[:1024],
            "source": f"earshot/{alert.topic_id}",
            "severity": _PD_SEVERITY[alert.severity],
            "timestamp": alert.updated_at.isoformat(),
            "component": alert.topic_id,
            "group": alert.series,
            "class": "volume-spike",
            "custom_details": {
                "observed": alert.observed, "expected": alert.expected, "ratio": alert.ratio,
                "window_start": alert.window_start.isoformat(), "window_end": alert.window_end.isoformat(),
                "revision": alert.revision, "sentiment_mix": alert.sentiment_mix, "top_terms": alert.top_terms,
                "top_authors": [a.model_dump() for a in alert.top_authors], "related_topics": alert.related_topics,
                "query": alert.query,
            },
        },
        "links": [{"href": u, "text": "sample mention"} for u in alert.sample_urls],
    }
    if alert.dashboard_url:
        event["links"].insert(0, {"href": alert.dashboard_url, "text": "dashboard"})
    return event


class PagerDutyNotifier:
    name = "pagerduty"

    def __init__(self, routing_key: str, url: str, timeout: float = 10.0) -> None:
        self.routing_key, self.url, self.timeout = routing_key, url, timeout

    async def deliver(self, alert: Alert) -> None:
        await post_json(self.url, pagerduty_event(alert, self.routing_key), self.timeout)

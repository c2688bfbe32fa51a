"""HTTP webhook receiver: POST one mention, a JSON array of mentions, or an Earshot envelope.

Responses: ``202`` with ``{"accepted": n}`` once every mention is acknowledged by Kafka; ``422``
with field-level errors per rejected item (the valid items of the same request are still
published, and the rejected ones go to the dead-letter topic); ``400`` for a body that is not
JSON or not a mention shape; ``413`` when the body is too large; ``503`` when Kafka did not take
the mentions (the client should retry: replays are idempotent downstream); ``401`` when the request
is not authenticated (``ingest/auth.py``: HMAC signature or bearer token) -- such requests are
dropped (not dead-lettered), counted in ``earshot_webhook_auth_failures_total`` and logged without
their body. ``GET /metrics`` exposes Prometheus metrics, ``GET /healthz`` liveness.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from ingest.auth import AuthFailed, WebhookAuth
from ingest.errors import PublishError
from ingest.publisher import MentionPublisher
from pipeline import metrics
from schemas import DeadLetter, RawMention

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 10_000

PUBLISHER_KEY = web.AppKey("publisher", MentionPublisher)
LOCK_KEY = web.AppKey("publish_lock", asyncio.Lock)
AUTH_KEY = web.AppKey("auth", WebhookAuth)


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic errors as ``[{"field": "author.followers", "message": "...", "type": "..."}]``."""
    return [{"field": ".".join(str(p) for p in e["loc"]) or "(root)", "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False)]


def _items(doc: Any) -> list[Any] | None:
    if isinstance(doc, dict) and "earshot_batch" in doc:
        items = doc.get("mentions")
        return items if isinstance(items, list) else None
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        return [doc]
    return None


async def _publish(app: web.Application, valid: list[RawMention], dead: list[DeadLetter]) -> None:
    publisher = app[PUBLISHER_KEY]

    def work() -> None:
        for letter in dead:
            publisher.dead_letter(letter)
        publisher.publish(valid)
        publisher.flush()

    async with app[LOCK_KEY]:  # kafka-python's producer is thread-safe, but flush() is per-publisher
        await asyncio.get_running_loop().run_in_executor(None, work)
    metrics.count_dead_letters(dead)


async def receive(request: web.Request) -> web.Response:
    now = datetime.now(UTC)
    body = await request.read()
    origin = f"webhook {request.remote or '?'}"
    try:
        request.app[AUTH_KEY].verify(request.headers, body)
    except AuthFailed as exc:
        metrics.WEBHOOK_AUTH_FAILURES.labels(reason=exc.reason).inc()
        log.warning("webhook: unauthenticated request from %s dropped (%s, %d bytes)", request.remote or "?",
                    exc.reason, len(body))
        return web.json_response({"error": f"unauthorized: {exc.message}"}, status=401,
                                 headers={"WWW-Authenticate": "Bearer" if request.app[AUTH_KEY].mode == "token"
                                          else "HMAC-SHA256"})

    def dead(reason: str, payload: str, error_type: str) -> DeadLetter:
        return DeadLetter.make(stage="webhook", source=origin, reason=reason, error_type=error_type,
                               payload=payload, received_at=now)

    try:
        doc = json.loads(body)
    except RecursionError:
        await _publish(request.app, [], [dead("not valid JSON: nested too deeply", body.decode("utf-8", "replace"),
                                              "parse")])
        return web.json_response({"error": "body is not valid JSON: nested too deeply"}, status=400)
    except ValueError as exc:
        await _publish(request.app, [], [dead(f"not valid JSON: {exc}", body.decode("utf-8", "replace"), "parse")])
        return web.json_response({"error": f"body is not valid JSON: {exc}"}, status=400)
    items = _items(doc)
    if items is None:
        await _publish(request.app, [], [dead("expected a mention object, an array or an envelope",
                                              body.decode("utf-8", "replace"), "parse")])
        return web.json_response({"error": "expected a JSON object (one mention), an array of mentions, "
                                           "or an envelope {\"earshot_batch\": 1, \"mentions\": [...]}"},
                                 status=400)
    if len(items) > MAX_ITEMS:
        return web.json_response({"error": f"at most {MAX_ITEMS} mentions per request"}, status=413)
    valid: list[RawMention] = []
    dead_letters: list[DeadLetter] = []
    rejected: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            valid.append(RawMention.model_validate(item))
        except ValidationError as exc:
            errors = field_errors(exc)
            rejected.append({"index": index, "errors": errors})
            reason = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            dead_letters.append(dead(reason, _dump_item(item, body), "validation"))
    try:
        await _publish(request.app, valid, dead_letters)
    except PublishError as exc:
        log.error("webhook: %s", exc)
        return web.json_response({"error": "could not deliver to Kafka, retry later"}, status=503)
    metrics.WEBHOOK_MENTIONS_ACCEPTED.inc(len(valid))
    if rejected:
        return web.json_response({"accepted": len(valid), "rejected": rejected}, status=422)
    return web.json_response({"accepted": len(valid)}, status=202)


def _dump_item(item: Any, body: bytes) -> str:
    """The rejected item as JSON, or the whole request body when the item is too deep to re-encode."""
    try:
        return json.dumps(item, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        return body.decode("utf-8", "replace")


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics_page(_request: web.Request) -> web.Response:
    return web.Response(body=metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})


@web.middleware
async def count_requests(request: web.Request, handler: Any) -> web.StreamResponse:
    """``earshot_webhook_requests_total{status}`` for ``/mentions`` (errors raised by aiohttp included)."""
    if request.path != "/mentions":
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        metrics.WEBHOOK_REQUESTS.labels(status=str(exc.status)).inc()
        raise
    except Exception:
        metrics.WEBHOOK_REQUESTS.labels(status="500").inc()
        raise
    metrics.WEBHOOK_REQUESTS.labels(status=str(response.status)).inc()
    return response


def create_webhook_app(publisher: MentionPublisher, auth: WebhookAuth | None = None) -> web.Application:
    """The aiohttp application; the caller owns the publisher and closes it.

    ``auth`` defaults to no authentication; ``serve`` (``earshot ingest webhook``) passes
    ``WebhookAuth.from_settings``.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[count_requests])
    app[PUBLISHER_KEY] = publisher
    app[LOCK_KEY] = asyncio.Lock()
    app[AUTH_KEY] = auth or WebhookAuth()
    app.router.add_post("/mentions", receive)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app


def serve(publisher: MentionPublisher, host: str, port: int, auth: WebhookAuth | None = None) -> None:
    """Run the receiver until interrupted (binds ``host``: 127.0.0.1 unless configured)."""
    web.run_app(create_webhook_app(publisher, auth), host=host, port=port, print=None)

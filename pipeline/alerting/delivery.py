"""Delivering alert revisions to one notifier until it succeeds, recording every attempt.

A failed delivery is logged, written to ``alert_deliveries`` with the error, and retried with
capped exponential backoff; the alert's Kafka offset is not acknowledged meanwhile, so a restart
retries it too. A revision already delivered (a replay) is not sent again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from pipeline import metrics
from schemas import Alert
from sinks.notifiers import DeliveryError, Notifier
from sinks.sql import string_literal

log = logging.getLogger(__name__)

COLUMNS = ["alert_id", "revision", "notifier", "status", "attempt", "error", "at"]


class DeliveryLog:
    """The ``alert_deliveries`` table (blocking calls)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def delivered(self, alert: Alert, notifier: str) -> bool:
        rows = self.backend.query(
            f"SELECT count() AS n FROM alert_deliveries WHERE alert_id = {string_literal(alert.alert_id)} "
            f"AND revision = {int(alert.revision)} AND notifier = {string_literal(notifier)} "
            "AND status = 'delivered'")
        return bool(rows) and int(rows[0]["n"]) > 0

    def record(self, alert: Alert, notifier: str, status: str, attempt: int, error: str = "") -> None:
        self.backend.insert("alert_deliveries", COLUMNS, [(alert.alert_id, alert.revision, notifier, status, attempt,
                                                           error[:2000], datetime.now(UTC))])


async def deliver_until_done(notifier: Notifier, alert: Alert, log_table: DeliveryLog,
                             max_backoff: float = 300.0, first_backoff: float = 1.0) -> int:
    """Deliver ``alert`` (returns the number of attempts; 0 if it had already been delivered)."""
    from pipeline.retry import write_until_done

    if await write_until_done(lambda: log_table.delivered(alert, notifier.name), "look up deliveries"):
        metrics.ALERT_DELIVERIES.labels(notifier=notifier.name, status="skipped").inc()
        return 0
    attempt, delay = 0, first_backoff
    while True:
        attempt += 1
        try:
            await notifier.deliver(alert)
        except DeliveryError as exc:
            log.error("alert %s rev %d to %s failed (attempt %d, retry in %.0fs): %s", alert.alert_id,
                      alert.revision, notifier.name, attempt, delay, exc)
            metrics.ALERT_DELIVERIES.labels(notifier=notifier.name, status="failed").inc()
            await _record(log_table, alert, notifier.name, "failed", attempt, str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_backoff)
            continue
        metrics.ALERT_DELIVERIES.labels(notifier=notifier.name, status="delivered").inc()
        await _record(log_table, alert, notifier.name, "delivered", attempt)
        log.info("alert %s rev %d (%s) delivered to %s", alert.alert_id, alert.revision, alert.status, notifier.name)
        return attempt


async def _record(table: DeliveryLog, alert: Alert, notifier: str, status: str,
                  attempt: int, error: str = "") -> None:
    from pipeline.retry import write_until_done

    await write_until_done(lambda: table.record(alert, notifier, status, attempt, error), "record delivery")

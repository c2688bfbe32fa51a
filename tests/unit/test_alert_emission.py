"""The spike timer publishes alert revisions before storing them: a crash between the two may
re-send a revision (the notifiers skip it), but never loses one (pipeline.app.emit_alerts)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from pipeline.app import emit_alerts


class Crash(BaseException):
    """The worker dying at this point (not an Exception: nothing retries it)."""


@dataclass(frozen=True)
class Rev:
    alert_id: str
    revision: int


class Store:
    """``alerts`` stand-in: ``unsent`` and the writer look at the same stored set."""

    def __init__(self) -> None:
        self.stored: set[tuple[str, int]] = set()
        self.fail_write = False

    def unsent(self, alerts: list[Rev]) -> list[Rev]:
        return [a for a in alerts if (a.alert_id, a.revision) not in self.stored]

    def write(self, alerts: list[Rev]) -> int:
        if self.fail_write:
            raise Crash("killed after the send, before the insert")
        new = {(a.alert_id, a.revision) for a in alerts} - self.stored
        self.stored |= new
        return len(new)


def run(alerts: list[Rev], store: Store, sent: list[Rev], crash_send: bool = False) -> list[Rev]:
    async def publish(new: list[Rev]) -> None:
        if crash_send:
            raise Crash("killed before the broker acknowledged")
        sent.extend(new)

    return asyncio.run(emit_alerts(alerts, store, store, publish, retry_max_s=0.1))


ALERTS = [Rev("a1", 1), Rev("a1", 2)]


def test_a_crash_before_the_send_is_acknowledged_stores_nothing_and_the_replay_sends() -> None:
    store, sent = Store(), []
    with pytest.raises(Crash):
        run(ALERTS, store, sent, crash_send=True)
    assert store.stored == set() and sent == []  # the old order stored them here: they counted as sent
    assert run(ALERTS, store, sent) == ALERTS  # the restarted tick (same revisions) sends them
    assert sent == ALERTS and store.stored == {("a1", 1), ("a1", 2)}


def test_a_crash_between_send_and_insert_resends_instead_of_losing() -> None:
    store, sent = Store(), []
    store.fail_write = True
    with pytest.raises(Crash):
        run(ALERTS, store, sent)
    store.fail_write = False
    run(ALERTS, store, sent)
    assert sent == ALERTS + ALERTS  # at-least-once on the topic; delivery skips revisions already delivered
    assert store.stored == {("a1", 1), ("a1", 2)}


def test_a_replay_of_stored_revisions_sends_nothing() -> None:
    store, sent = Store(), []
    run(ALERTS, store, sent)
    assert run(ALERTS + [Rev("a1", 3)], store, sent) == [Rev("a1", 3)]
    assert sent == ALERTS + [Rev("a1", 3)]

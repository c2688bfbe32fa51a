"""Hostile bodies POSTed to the webhook receiver: never a 500, bad items dead-lettered with reasons."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from ingest.publisher import PublishStats
from ingest.webhook import MAX_BODY_BYTES, MAX_ITEMS, create_webhook_app
from schemas import DeadLetter, RawMention
from tests.fuzz.hostile import GOOD, dumps, fuzz, hostile_mention, json_values, nested

ALLOWED = {202, 400, 413, 422}


class RecordingPublisher:
    """Stands in for MentionPublisher; serialises like the real one, so unserialisable models fail here."""

    def __init__(self) -> None:
        self.published: list[RawMention] = []
        self.dead: list[DeadLetter] = []

    def publish(self, mentions: list[RawMention]) -> None:
        for m in mentions:
            m.model_dump_json().encode("utf-8")
        self.published.extend(mentions)

    def dead_letter(self, letter: DeadLetter) -> None:
        letter.model_dump_json().encode("utf-8")
        self.dead.append(letter)

    def flush(self, timeout: float = 60.0) -> PublishStats:
        return PublishStats(published=len(self.published), dead_lettered=len(self.dead))

    def close(self) -> None:
        pass

    def reset(self) -> None:
        self.published, self.dead = [], []


class Receiver:
    """One webhook server on its own event loop thread, shared by all examples of the module."""

    def __init__(self) -> None:
        self.publisher = RecordingPublisher()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client: TestClient[Any, Any] = self._run(self._start())

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    async def _start(self) -> TestClient[Any, Any]:
        client = TestClient(TestServer(create_webhook_app(self.publisher)))  # type: ignore[arg-type]
        await client.start_server()
        return client

    def post(self, body: bytes, **kwargs: Any) -> tuple[int, Any]:
        self.publisher.reset()

        async def go() -> tuple[int, Any]:
            resp = await self.client.post("/mentions", data=body, **kwargs)
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text

        return self._run(go())

    def stop(self) -> None:
        self._run(self.client.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def _check(receiver: Receiver, body: bytes) -> tuple[int, Any]:
    status, reply = receiver.post(body, headers={"Content-Type": "application/json"})
    assert status in ALLOWED, (status, reply, body[:200])
    pub = receiver.publisher
    for letter in pub.dead:
        assert letter.stage == "webhook" and letter.reason.strip()
    if status == 202:
        assert not pub.dead and reply["accepted"] == len(pub.published)
    elif status == 422:
        assert len(pub.dead) == len(reply["rejected"]) >= 1 and reply["accepted"] == len(pub.published)
        assert all(r["errors"] for r in reply["rejected"])
    elif status == 400:
        assert len(pub.dead) == 1 and not pub.published and "error" in reply
    return status, reply


bodies = st.one_of(
    st.binary(max_size=300),
    hostile_mention().map(lambda d: dumps(d).encode()),
    st.lists(hostile_mention(), max_size=6).map(lambda d: dumps(d).encode()),
    st.fixed_dictionaries({"earshot_batch": json_values, "mentions": st.lists(hostile_mention(), max_size=4)})
    .map(lambda d: dumps(d).encode()),
    json_values.map(lambda d: dumps(d).encode()),
)


@fuzz(0.75)
@given(bodies)
def test_hostile_bodies_get_a_4xx_or_202_never_500(receiver: Receiver, body: bytes) -> None:
    _check(receiver, body)


@pytest.mark.parametrize("body", [
    b"", b"\xff\xfe\x00", b"\x00" * 1000, b"[]", b"{}", b"null", b'"x"', b"1e400", b"NaN", b"9" * 5_000,
    dumps([GOOD] * 3).encode(), dumps({"earshot_batch": 1, "mentions": "x"}).encode(),
    dumps({"earshot_batch": 1, "mentions": [GOOD, {**GOOD, "created_at": "9999-12-31T23:59:59-23:59"}]}).encode(),
    rb'[{"platform":"x","source_id":"1","text":"hi","created_at":"2026-11-02T09:00:00Z","extras":{"k":"\ud800"}}]',
    rb'{"platform":"x","source_id":"1","text":"\udfff","created_at":"2026-11-02T09:00:00Z"}',
    dumps({**GOOD, "text": "#a " * 33_333 + "\u200d" * 2}).encode(),
    dumps({**GOOD, "text": "x" * 100_001}).encode(),
    ("[" + ",".join(["1"] * (MAX_ITEMS + 1)) + "]").encode(),
    ("[" + nested(500) + "]").encode(),
])
def test_known_hostile_bodies(receiver: Receiver, body: bytes) -> None:
    status, _ = _check(receiver, body)
    if body.startswith(b"[1,1"):
        assert status == 413


def test_deeply_nested_body_is_a_400(receiver: Receiver) -> None:
    _check(receiver, nested(100_000).encode())


def test_body_over_the_size_limit_is_413(receiver: Receiver) -> None:
    status, _ = receiver.post(b"[" + b" " * MAX_BODY_BYTES + b"]")
    assert status == 413 and not receiver.publisher.published

    async def chunks() -> Any:  # no Content-Length: the limit applies while streaming too
        for _ in range(11):
            yield b" " * (1024 * 1024)

    status, _ = receiver.post(chunks())  # type: ignore[arg-type]
    assert status == 413

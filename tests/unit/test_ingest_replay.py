"""Replay pacing and dead-lettering, with a recording publisher (no broker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.publisher import PublishStats
from ingest.replay import replay
from ingest.sources import JsonlSource

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[str] = []
        self.dead: list[Any] = []
        self.flushes = 0

    def publish(self, mentions: Any) -> None:
        self.published.extend(m.source_id for m in mentions)

    def dead_letter(self, letter: Any) -> None:
        self.dead.append(letter)

    def flush(self) -> PublishStats:
        self.flushes += 1
        return PublishStats(published=len(self.published), dead_lettered=len(self.dead))


def write(path: Path, offsets_s: list[int]) -> Path:
    lines = [json.dumps({"platform": "x", "source_id": str(i), "text": "t",
                         "created_at": (T0 + timedelta(seconds=s)).isoformat()}) for i, s in enumerate(offsets_s)]
    path.write_text("\n".join(lines + ["{bad"]) + "\n")
    return path


def test_paced_replay_keeps_the_original_gaps_scaled_by_speed(tmp_path: Path) -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pub = RecordingPublisher()
    src = JsonlSource(write(tmp_path / "m.jsonl", [0, 60, 60, 180]))
    result = replay(src, pub, speed=60.0, progress=False, sleep=sleep, clock=lambda: now[0])  # type: ignore[arg-type]
    assert result.valid == 4 and result.invalid == 1 and pub.published == ["0", "1", "2", "3"]
    # one hour per minute: 60 s of data is 1 s of wall time, 180 s is 3 s from the start
    assert sleeps == [1.0, 2.0]
    assert pub.flushes >= 3  # nothing waits in buffers while the replay sleeps
    assert "not valid JSON" in pub.dead[0].reason


def test_fast_replay_never_sleeps(tmp_path: Path) -> None:
    sleeps: list[float] = []
    pub = RecordingPublisher()
    result = replay(JsonlSource(write(tmp_path / "m.jsonl", [0, 3600, 7200])), pub, progress=False,
                    sleep=sleeps.append)  # type: ignore[arg-type]
    assert sleeps == [] and result.valid == 3 and pub.flushes == 1

"""Memory stays bounded: 10,000 hostile records through a file source, validation and the enricher.

Bounds (tracemalloc, Python allocations only):

* peak while streaming < 64 MiB above the start. Records are streamed one at a time; the largest
  single record here is a 150k-char line (~1 MiB with its parsed forms and the dead letter). The
  bound leaves room for the enricher's bounded caches filling up, but a source or stage that kept
  every record (10,000 records with their models: well over 64 MiB) would exceed it.
* retained after a *second* run of 10,000 different records < 12 MiB: caches keyed by text or token
  (matcher field caches, Korean particle/token caches) are capped (LRU or clear-when-full), so a
  second round of new texts must not add another round's worth of memory.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import random
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import enrich
from earshot.settings import Settings
from ingest.records import validate_record
from ingest.sources import JsonlSource
from pipeline.enrichment import EnricherHolder
from schemas import RawMention
from tests.fuzz.hostile import EMOJI, GOOD, NASTY_CHARS, SCRIPTS, dumps, nested

N = 10_000
MiB = 1024 * 1024
WORDS = SCRIPTS.split() + ["love", "hate", "broken", "great", "acme", "nimbus", "최고", "별로", "좋아요"]


def _hostile_file(path: Path, seed: int, n: int = N) -> None:
    rng = random.Random(seed)
    with path.open("wb") as fh:
        for i in range(n):
            kind = i % 10
            uniq = f"{seed}x{i}"
            if kind < 6:  # valid, with unique hostile text (new cache keys every time)
                words = [rng.choice(WORDS) + rng.choice(["", uniq, "\u200d", rng.choice(NASTY_CHARS)])
                         for _ in range(rng.randint(5, 40))]
                text = " ".join(words) + rng.choice(EMOJI) + "".join(f" #{uniq}t{j}" for j in range(rng.randint(0, 20)))
                doc = {**GOOD, "source_id": uniq, "text": text[:100_000], "author": {"handle": "@" + uniq,
                       "followers": rng.randint(0, 10**12)}, "lang": rng.choice([None, "en", "ko"])}
                fh.write(dumps(doc).encode() + b"\n")
            elif kind == 6:
                fh.write(nested(rng.randint(500, 5_000)).encode() + b"\n")
            elif kind == 7:
                fh.write(rng.randbytes(rng.randint(1, 300)).replace(b"\n", b"").replace(b"\r", b"") + b"\n")
            elif kind == 8:
                fh.write(dumps({**GOOD, "source_id": uniq, "created_at": rng.choice(
                    ["9999-12-31T23:59:59-23:59", "1970-01-01T00:00:00Z", 1e20]), "likes": -1}).encode() + b"\n")
            else:
                size = 500 if i % 100 != 9 else (100_000 if i % 200 != 9 else 150_000)  # 50 huge, 50 too long
                fh.write(dumps({**GOOD, "source_id": uniq, "text": ("z" + uniq) * (size // (len(uniq) + 1))})
                         .encode() + b"\n")


def _run(path: Path, enricher: object) -> tuple[int, int]:
    now = datetime.now(UTC)
    ok = dead = 0
    for record in JsonlSource(path).records():
        item = validate_record(record)
        if isinstance(item, RawMention):
            enricher.enrich(item, now, now)  # type: ignore[attr-defined]
            ok += 1
        else:
            assert item.reason
            dead += 1
    return ok, dead


def test_memory_stays_bounded_over_10k_hostile_records(tmp_path: Path) -> None:
    enricher = EnricherHolder(Settings())()
    _hostile_file(tmp_path / "a.jsonl", 1, 2_000)
    _hostile_file(tmp_path / "b.jsonl", 2)
    _run(tmp_path / "a.jsonl", enricher)  # warm up: models, lexicons, first cache fill, no tracing
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        ok, dead = _run(tmp_path / "b.jsonl", enricher)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ok + dead == N and ok >= N // 2
    assert peak - base < 64 * MiB, f"peak {(peak - base) / MiB:.1f} MiB"
    assert current - base < 12 * MiB, f"retained {(current - base) / MiB:.1f} MiB"


def test_enrich_function_caches_have_a_size_limit() -> None:
    """Every ``functools.lru_cache`` in enrich/ is bounded (an unbounded one grows with every new text)."""
    unbounded = []
    for info in pkgutil.walk_packages(enrich.__path__, "enrich."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            cache_info = getattr(obj, "cache_info", None)
            if callable(cache_info) and getattr(obj, "__module__", None) == module.__name__:
                if cache_info().maxsize is None:
                    unbounded.append(f"{module.__name__}.{name}")
    assert not unbounded

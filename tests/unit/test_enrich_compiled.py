"""The mypyc-compiled hot modules and their pure-Python sources give the same enrichment.

``setup.py`` compiles ``enrich._compiled.HOT_MODULES``; ``EARSHOT_PURE_PYTHON=1`` (or a stale build)
makes ``enrich`` load them from source. The differential test enriches the same mentions in this
process (compiled when built) and in a subprocess forced to pure Python, and compares every field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import enrich
from enrich._compiled import HOT_MODULES

ROOT = Path(__file__).resolve().parents[2]

# Runs in both processes: enrich sample mentions (their own tags removed, so language detection runs)
# against the sample watchlist plus synthetic topics, and print the results without timings.
_SCRIPT = """
import json, sys
from datetime import UTC, datetime
from bench.bench_enrich import build_enricher, distinct_posts, load_posts, load_watchlist
import enrich
posts = [p.model_copy(update={"lang": None}) for p in distinct_posts(load_posts(), 400)]
enricher = build_enricher(watchlist=load_watchlist(200))
now = datetime(2026, 11, 2, 9, tzinfo=UTC)
one = [enricher.enrich(p, now) for p in posts]
many = enricher.enrich_many(posts, now)
rows = [m.model_dump(mode="json", exclude={"times"}) for m in one + many]
json.dump({"compiled": enrich.compiled(), "rows": rows}, sys.stdout)
"""


def _run(pure: bool) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("EARSHOT_PURE_PYTHON", None)
    if pure:
        env["EARSHOT_PURE_PYTHON"] = "1"
    done = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_compiled_state_is_reported() -> None:
    modules = enrich.compiled_modules()
    assert list(modules) == list(HOT_MODULES)
    assert enrich.compiled() == all(modules.values())
    if enrich.fallback_reason() is not None:
        assert not enrich.compiled()


def test_pure_python_switch() -> None:
    env = {**os.environ, "EARSHOT_PURE_PYTHON": "1"}
    code = "import enrich; print(enrich.compiled(), any(enrich.compiled_modules().values()), enrich.fallback_reason())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split(" ", 2)
    assert out[:2] == ["False", "False"]
    assert "EARSHOT_PURE_PYTHON" in out[2]


def test_compiled_and_pure_python_enrich_identically() -> None:
    default, pure = _run(pure=False), _run(pure=True)
    assert pure["compiled"] is False
    assert default["compiled"] is enrich.compiled()
    assert default["rows"] == pure["rows"]
    rows = pure["rows"]
    assert isinstance(rows, list) and len(rows) == 800
    assert sum(1 for row in rows if row["topics"]) > 100  # the comparison covers real matches

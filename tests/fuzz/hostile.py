"""Shared hostile-input strategies and the fuzz settings profile (``HYPOTHESIS_PROFILE``).

``ci`` (default): few examples, derandomised (the same inputs on every run), no deadline - fast and
deterministic for CI. ``long``: many random examples, for a fuzz campaign (``docs/fuzzing.md``).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_EXAMPLES = {"ci": 40, "long": 5_000}.get(_PROFILE, 40)


def fuzz(scale: float = 1.0) -> settings:
    """Settings for one fuzz test; ``scale`` shrinks the example count of expensive tests."""
    return settings(
        max_examples=max(5, int(_EXAMPLES * scale)),
        deadline=None,
        derandomize=_PROFILE != "long",
        database=None if _PROFILE != "long" else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                               HealthCheck.filter_too_much],
    )


GOOD = {"platform": "x", "source_id": "1", "text": "I love Acme", "created_at": "2026-11-02T09:00:00Z"}

# Characters that break naive text handling: zero-width (ZWSP/ZWNJ/ZWJ/BOM/word joiner), bidi
# controls (RLM/LRM/RLO/PDF/isolates), C0/C1 controls, NUL, line/paragraph separators, combining
# marks, variation selectors, skin tones, regional indicators, a lone surrogate's neighbours.
NASTY_CHARS = (
    "\u200b\u200c\u200d\ufeff\u2060\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\u2028\u2029\u0301\u0308\u0336\u20dd\ufe0f\ufe0e"
    "\U0001f3fb\U0001f3ff\U0001f1fa\U0001f1f8\U000e0067\ufffd\uffff\U0010ffff"
)
SCRIPTS = "Acme nimbus brewco 안녕하세요 최고 별로 مرحبا שלום привет こんにちは 你好 ไทย हिन्दी Ελληνικά"
EMOJI = ["👩🏽‍💻", "🏳️‍🌈", "👨‍👩‍👧‍👦", "🙂‍↔️", "🇺🇸", "❤️", "🔥" * 3, "e\u0301" * 20, "Z̴̢̛͎̈́a̸̬̓l̶̰̈́g̷̣̋o̴̩͝"]

nasty_text = st.text(alphabet=st.sampled_from(NASTY_CHARS) | st.sampled_from(SCRIPTS) | st.characters(
    codec="utf-8"), max_size=300)
"""Short texts mixing hostile characters, many scripts and arbitrary (encodable) code points."""


@st.composite
def hostile_text(draw: st.DrawFn, max_chars: int = 100_000) -> str:
    """A text built from pieces: nasty runs, emoji sequences, hashtags by the thousand, huge runs."""
    pieces = draw(st.lists(st.one_of(
        nasty_text,
        st.sampled_from(EMOJI),
        st.sampled_from(SCRIPTS.split()),
        st.integers(1, 5_000).map(lambda n: " ".join(f"#tag{i}" for i in range(n))),
        st.integers(1, 5_000).map(lambda n: "#" * n),
        st.tuples(st.sampled_from(["a", "é", "\u200d", "안", "🔥", " ", "Acme "]), st.integers(1, 100_000))
        .map(lambda t: t[0] * t[1]),
    ), max_size=6))
    return "".join(pieces)[:max_chars]


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                         nasty_text)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(nasty_text, c, max_size=4),
                           max_leaves=20)

MENTION_KEYS = ["platform", "source_id", "text", "created_at", "author", "engagement", "extras", "source_tags",
                "url", "lang", "country", "author_followers", "likes", "author_handle", "schema_version",
                "earshot_batch", "mentions", "kind"]


@st.composite
def hostile_timestamp(draw: st.DrawFn) -> Any:
    """Timestamps in the far past/future, with extreme offsets, as ISO strings or unix numbers."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        dt = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
        offset = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
        return dt.replace(tzinfo=timezone(timedelta(minutes=offset))).isoformat()
    if kind == 1:
        return draw(st.sampled_from(["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
                                     "1999-12-31T23:59:59-01:00", "2200-12-31T23:59:59+00:00",
                                     "2201-01-01T00:00:00+01:00", "2026-02-30T00:00:00Z", "2026-11-02T09:00:00",
                                     "", "now", "2026-11-02T09:00:00+99:99", "9" * 5_000]))
    if kind == 2:
        return draw(st.one_of(st.integers(-(2**63), 2**63), st.floats(allow_nan=True)))
    return draw(json_values)


@st.composite
def hostile_mention(draw: st.DrawFn) -> Any:
    """A mention-shaped object with some fields replaced by wrong types or hostile values."""
    doc: dict[str, Any] = dict(GOOD)
    for key in draw(st.lists(st.sampled_from(MENTION_KEYS), max_size=5)):
        if key == "created_at":
            doc[key] = draw(hostile_timestamp())
        else:
            doc[key] = draw(json_values)
    if draw(st.booleans()):
        return doc
    return draw(st.one_of(json_values, st.just(doc)))


def nested(depth: int, inner: str = "1") -> str:
    """``depth`` levels of alternating arrays and objects around ``inner`` (JSON text)."""
    opens = "".join('[' if i % 2 else '{"a":' for i in range(depth))
    closes = "".join(']' if i % 2 else '}' for i in reversed(range(depth)))
    return opens + inner + closes


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, default=str)


def serialises(model: Any) -> None:
    """What the publisher/sink do with every model: it must serialise to UTF-8 JSON."""
    model.model_dump_json().encode("utf-8")


def now() -> datetime:
    return datetime.now(UTC)

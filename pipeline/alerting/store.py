"""What the spike stage reads from and writes to ClickHouse.

Counts come from ``topic_volume_1m`` (per-minute aggregates maintained by a materialized view on
``mentions``, fed once per stored mention), so detection sees exactly the deduplicated data the
analysts see, late mentions land in their own minute, and the state can always be rebuilt.
Stream progress (per partition, the newest event time stored) decides when a minute is final.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from enrich.spikes.incidents import AlertContext
from schemas import Alert, AuthorReach
from sinks.sql import string_literal

_TOKEN = re.compile(r"[#@]?[\w][\w'\-]{2,}", re.UNICODE)
_STOP = frozenset("""
the and for that this with you are was have not but just they from what its it's has had all our your
their about out get got can will would there been one more when who how why than then them into over
very really too also still even only any some now new like i'm don't can't dont cant im been being
""".split())


def _ts(value: datetime) -> str:
    return f"toDateTime('{value.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}', 'UTC')"


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC).timestamp()


class SpikeStore:
    """ClickHouse access for the spike stage (blocking; call from a worker thread)."""

    def __init__(self, backend: Any, stream: str = "mentions") -> None:
        self.backend = backend
        self.stream = stream

    # -- stream progress ---------------------------------------------------------------------
    def record_progress(self, newest: dict[int, datetime], now: datetime) -> None:
        """Note, per partition, the newest event time now stored (called by the sink after a write)."""
        if newest:
            rows = [(self.stream, p, t, now) for p, t in sorted(newest.items())]
            self.backend.insert("stream_progress", ["stream", "partition", "max_event_time", "updated_at"], rows)

    def progress(self) -> list[tuple[int, float, float]]:
        """(partition, newest event time, last update) per partition, as epoch seconds."""
        rows = self.backend.query(
            f"SELECT partition, max(max_event_time) AS e, max(updated_at) AS u FROM stream_progress "
            f"WHERE stream = {string_literal(self.stream)} GROUP BY partition ORDER BY partition")
        return [(int(r["partition"]), _epoch(r["e"]), _epoch(r["u"])) for r in rows]

    # -- counts ------------------------------------------------------------------------------
    def first_minute(self) -> float | None:
        rows = self.backend.query("SELECT min(minute) AS m, count() AS n FROM topic_volume_1m")
        if not rows or int(rows[0]["n"]) == 0:
            return None
        return _epoch(rows[0]["m"])

    def minute_counts(self, start: float, end: float) -> dict[float, dict[str, tuple[int, int]]]:
        """{minute: {topic: (mentions, negative)}} for minutes in [start, end)."""
        s, e = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        rows = self.backend.query(
            f"SELECT topic_id, minute, sum(mentions) AS c, sum(negative) AS n FROM topic_volume_1m "
            f"WHERE minute >= {_ts(s)} AND minute < {_ts(e)} GROUP BY topic_id, minute")
        out: dict[float, dict[str, tuple[int, int]]] = {}
        for r in rows:
            out.setdefault(_epoch(r["minute"]), {})[str(r["topic_id"])] = (int(r["c"]), int(r["n"]))
        return out

    # -- incident context --------------------------------------------------------------------
    def _window_filter(self, topic: str, series: str, start: datetime, end: datetime) -> str:
        cond = f"topic_id = {string_literal(topic)} AND created_at >= {_ts(start)} AND created_at < {_ts(end)}"
        if series == "negative":
            cond += " AND sentiment_label = 'negative'"
        return cond

    def mention_keys(self, topic: str, series: str, start: datetime, end: datetime) -> set[str]:
        rows = self.backend.query(f"SELECT DISTINCT mention_key FROM mention_topics "
                                  f"WHERE {self._window_filter(topic, series, start, end)}")
        return {str(r["mention_key"]) for r in rows}

    def overlap(self, newcomer: Alert, host: Alert) -> float:
        """Share of the newcomer's mentions in its window that the host topic also matched."""
        mine = self.mention_keys(newcomer.topic_id, newcomer.series, newcomer.window_start, newcomer.window_end)
        if not mine:
            return 0.0
        theirs = self.mention_keys(host.topic_id, "all", newcomer.window_start, newcomer.window_end)
        return len(mine & theirs) / len(mine)

    def context(self, topic: str, series: str, start: datetime, end: datetime) -> AlertContext:
        """Sentiment mix, frequent terms, top authors by reach and sample links of the window."""
        where = self._window_filter(topic, series, start, end)
        mix = {str(r["l"]) or "unscored": int(r["c"]) for r in self.backend.query(
            f"SELECT sentiment_label AS l, uniqExact(mention_key) AS c FROM mention_topics WHERE {where} "
            f"GROUP BY l")}
        authors = [AuthorReach(handle=str(r["h"]), followers=int(r["f"])) for r in self.backend.query(
            f"SELECT author_handle AS h, max(author_followers) AS f FROM mention_topics WHERE {where} "
            f"AND author_handle != '' GROUP BY h ORDER BY f DESC, h LIMIT 5")]
        keys_sql = f"SELECT mention_key FROM mention_topics WHERE {where}"
        posts = self.backend.query(
            f"SELECT mention_key, any(url) AS url, any(text) AS text, max(likes + replies + reposts + quotes) AS e "
            f"FROM mentions WHERE created_at >= {_ts(start)} AND created_at < {_ts(end)} "
            f"AND mention_key IN ({keys_sql}) GROUP BY mention_key ORDER BY e DESC, mention_key LIMIT 500")
        urls = [str(p["url"]) for p in posts if p["url"]][:5]
        return AlertContext(sentiment_mix=mix, top_terms=top_terms([str(p["text"]) for p in posts]),
                            top_authors=authors, sample_urls=urls)

    # -- checkpoints and alerts -------------------------------------------------------------
    def unsent(self, alerts: list[Alert]) -> list[Alert]:
        """The alerts whose (alert_id, revision) is not stored yet (a replay after a crash resends none)."""
        if not alerts:
            return []
        ids = ", ".join(string_literal(a.alert_id) for a in alerts)
        rows = self.backend.query(f"SELECT alert_id, revision FROM alerts WHERE alert_id IN ({ids})")
        stored = {(str(r["alert_id"]), int(r["revision"])) for r in rows}
        return [a for a in alerts if (a.alert_id, a.revision) not in stored]

    def save_checkpoint(self, key: str, processed_until: float, state: dict[str, Any], now: datetime) -> None:
        self.backend.insert("spike_state", ["id", "processed_until", "state", "updated_at", "version"],
                            [(key, datetime.fromtimestamp(processed_until, UTC), json.dumps(state), now,
                              int(now.timestamp() * 1000))])

    def load_checkpoint(self, key: str) -> tuple[float, dict[str, Any]] | None:
        rows = self.backend.query(f"SELECT argMax(processed_until, version) AS p, argMax(state, version) AS s, "
                                  f"count() AS n FROM spike_state WHERE id = {string_literal(key)}")
        if not rows or int(rows[0]["n"]) == 0:
            return None
        return _epoch(rows[0]["p"]), json.loads(rows[0]["s"])


def top_terms(texts: list[str], limit: int = 10) -> list[str]:
    """Most frequent words and hashtags of the texts (stop words and redaction tokens left out)."""
    counts: Counter[str] = Counter()
    for text in texts:
        seen = set()
        for tok in _TOKEN.findall(text.lower()):
            if tok in _STOP or tok.startswith("http") or tok.isdigit():
                continue
            seen.add(tok)
        counts.update(seen)  # document frequency: one chatty post does not dominate
    return [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit] if n > 1]

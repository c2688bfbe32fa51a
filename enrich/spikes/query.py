"""The ClickHouse query an alert links to: that topic's mentions in the incident window."""

from __future__ import annotations

from datetime import UTC, datetime


def _literal(value: str) -> str:
    """A ClickHouse single-quoted string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _datetime(value: datetime) -> str:
    # DateTime, not DateTime64: 18.16 has no DateTime64 and the columns hold whole seconds
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"toDateTime({_literal(text)}, 'UTC')"


def incident_query(
    topic_id: str, start: datetime, end: datetime, series: str = "all", limit: int = 200
) -> str:
    """SQL listing the topic's mentions in ``[start, end)``, highest-reach authors first.

    ``series == "negative"`` keeps only negative mentions (the series the anger alert was raised on).
    """
    negative = "\n  AND m.sentiment_label = 'negative'" if series == "negative" else ""
    return (
        "SELECT m.created_at, m.author_handle, m.author_followers, m.sentiment_label, m.url, m.text\n"
        "FROM mention_topics AS t\n"
        "INNER JOIN mentions AS m ON m.mention_key = t.mention_key\n"
        f"WHERE t.topic_id = {_literal(topic_id)}\n"
        f"  AND t.created_at >= {_datetime(start)}\n"
        f"  AND t.created_at < {_datetime(end)}{negative}\n"
        "ORDER BY m.author_followers DESC, m.created_at\n"
        f"LIMIT {int(limit)}"
    )

"""SQL builders for the analyst queries: pure functions, no I/O.

Every query runs unchanged on ClickHouse 18.16, current ClickHouse and chdb, so none uses CTEs,
window functions, ``WITH FILL``, ``toStartOfInterval`` or positional ``GROUP BY``; gaps are filled
in Python (:mod:`earshot.analyst.series`). User input never reaches SQL raw: topic ids are checked
against the watchlist id pattern and quoted, times are integer timestamps, limits are ints.

Trends and share of voice read the per-minute aggregates (``topic_volume_1m``, ``volume_1m``), so
they touch at most one row per topic and minute whatever the mention volume; top mentions and
trending terms read ``mentions`` over the requested range only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from earshot.analyst.errors import InvalidArgument
from earshot.analyst.timerange import Interval, TimeRange
from sinks.sql import is_hex_key, string_literal

TOPIC_ID = re.compile(r"^[a-z0-9_-]{1,128}$")
"""Same pattern as watchlist topic ids (``enrich.matching.watchlist.Topic.id``)."""
_LABEL = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

AGGREGATE_SUMS = ("mentions", "positive", "negative", "neutral", "unscored", "sentiment_sum", "reach", "engagement")
TOP_METRICS = ("reach", "engagement")
ALERT_STATUSES = ("open", "update", "resolved")

TOKEN_PATTERN = r"[#@]?[\p{L}\p{N}_]+"
"""Words, #hashtags and @handles in any script (RE2 Unicode classes; ``\\w`` is ASCII-only in RE2)."""

STOPWORDS: frozenset[str] = frozenset("""
a about after again all also am an and any are as at be been before being but by can could did do
does doing down for from had has have having he her here hers him his how i if in into is it its just
me more most my no nor not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours im ive
dont cant wont didnt isnt thats its get got one like really still even new http https www com amp rt
via lol
""".split())


@dataclass(frozen=True)
class Query:
    """A read-only SQL statement and what the caller needs to post-process its rows."""

    sql: str
    time_range: TimeRange
    interval: Interval | None = None
    topics: tuple[str, ...] = ()


def topic_ids(values: Sequence[str]) -> tuple[str, ...]:
    """Validated, de-duplicated topic ids (order kept); accepts comma-separated items."""
    out: list[str] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if not TOPIC_ID.match(item):
                raise InvalidArgument(f"not a topic id: {item!r} (lower-case letters, digits, '-' and '_')")
            if item not in out:
                out.append(item)
    return tuple(out)


def label(value: str, what: str) -> str:
    """A short label (stage, error type ...) safe to quote; rejects odd input early."""
    if not _LABEL.match(value):
        raise InvalidArgument(f"not a valid {what}: {value!r}")
    return value


def positive_int(value: int, what: str, most: int = 1_000_000) -> int:
    if not 1 <= value <= most:
        raise InvalidArgument(f"{what} must be between 1 and {most}, not {value}")
    return value


def _in_list(values: Sequence[str]) -> str:
    return ",".join(string_literal(v) for v in values)


def _sums() -> str:
    return ", ".join(f"sum({c}) AS {c}" for c in AGGREGATE_SUMS)


def trend(time_range: TimeRange, interval: Interval, topics: Sequence[str] = ()) -> Query:
    """Per-bucket volume, sentiment counts, reach and engagement per topic (all mentions without topics)."""
    tr = time_range.aligned(interval)
    ids = topic_ids(topics)
    bucket = interval.bucket_sql("minute")
    if ids:
        sql = (f"SELECT topic_id AS topic, {bucket} AS bucket, {_sums()} FROM topic_volume_1m "
               f"WHERE topic_id IN ({_in_list(ids)}) AND {tr.sql('minute')} "
               "GROUP BY topic, bucket ORDER BY topic, bucket")
    else:
        sql = (f"SELECT 'all' AS topic, {bucket} AS bucket, {_sums()} FROM volume_1m "
               f"WHERE {tr.sql('minute')} GROUP BY bucket ORDER BY bucket")
    return Query(sql, tr, interval, ids or ("all",))


def topic_totals(time_range: TimeRange, topics: Sequence[str], interval: Interval | None = None) -> Query:
    """Totals per topic over the range (share of voice, sentiment breakdown); per bucket with ``interval``."""
    ids = topic_ids(topics)
    if not ids:
        raise InvalidArgument("give at least one topic")
    tr = time_range.aligned(interval) if interval else time_range
    if interval is None:
        sql = (f"SELECT topic_id AS topic, {_sums()} FROM topic_volume_1m "
               f"WHERE topic_id IN ({_in_list(ids)}) AND {tr.sql('minute')} GROUP BY topic ORDER BY topic")
        return Query(sql, tr, None, ids)
    return trend(tr, interval, ids)


def all_totals(time_range: TimeRange) -> Query:
    """Totals over every mention in the range (sentiment breakdown without a topic)."""
    sql = f"SELECT 'all' AS topic, {_sums()} FROM volume_1m WHERE {time_range.sql('minute')}"
    return Query(sql, time_range, None, ("all",))


def top_mentions(time_range: TimeRange, by: str, topics: Sequence[str] = (), limit: int = 10) -> Query:
    """The mentions with the largest reach (author followers) or engagement in the range."""
    if by not in TOP_METRICS:
        raise InvalidArgument(f"--by must be one of {', '.join(TOP_METRICS)}, not {by!r}")
    ids = topic_ids(topics)
    where = time_range.sql("created_at")
    if ids:
        where += f" AND hasAny(topics, [{_in_list(ids)}])"
    other = "engagement" if by == "reach" else "reach"
    # LIMIT 1 BY mention_key: a duplicate row the background merge has not removed yet shows once.
    sql = ("SELECT created_at, platform, author_handle, author_followers AS reach, "
           "likes + replies + reposts + quotes AS engagement, sentiment_label AS sentiment, topics, "
           "substringUTF8(text, 1, 140) AS text, url, mention_key "
           f"FROM mentions WHERE {where} "
           f"ORDER BY {by} DESC, {other} DESC, created_at DESC, mention_key "
           f"LIMIT 1 BY mention_key LIMIT {positive_int(limit, 'limit', 10_000)}")
    return Query(sql, time_range, None, ids)


def term_counts(time_range: TimeRange, baseline: TimeRange, topics: Sequence[str] = (),
                min_count: int = 2, hashtags_only: bool = False, candidates: int = 5000) -> Query:
    """Per-term mention counts in the range (``recent``) and in the baseline before it.

    A term counts once per mention. ASCII words need three characters (two-letter English words
    are noise) while other scripts need two (Korean nouns are often two syllables).
    """
    if baseline.end > time_range.start:
        raise InvalidArgument("the baseline must end where the range starts")
    ids = topic_ids(topics)
    where = f"created_at >= toDateTime({baseline.start_s}) AND created_at < toDateTime({time_range.end_s})"
    if ids:
        where += f" AND hasAny(topics, [{_in_list(ids)}])"
    term_filter = (f"(lengthUTF8(term) >= 3 OR NOT match(term, '^[#@]?[a-z0-9_]+$')) "
                   f"AND NOT match(term, '^[#@]?[0-9_]+$') AND term NOT IN ({_in_list(sorted(STOPWORDS))})")
    if hashtags_only:
        term_filter += " AND startsWith(term, '#')"
    pattern = string_literal(TOKEN_PATTERN)
    sql = (f"SELECT term, countIf(created_at >= toDateTime({time_range.start_s})) AS recent, "
           f"countIf(created_at < toDateTime({time_range.start_s})) AS baseline "
           f"FROM (SELECT created_at, arrayJoin(arrayDistinct(extractAll(lowerUTF8(text), {pattern}))) AS term "
           f"FROM mentions WHERE {where}) WHERE {term_filter} "
           f"GROUP BY term HAVING recent >= {positive_int(min_count, 'min count')} "
           f"ORDER BY recent DESC, term LIMIT {positive_int(candidates, 'candidates')}")
    return Query(sql, time_range, None, ids)


def alert_states(time_range: TimeRange, topics: Sequence[str] = (), status: str | None = None,
                 limit: int = 100) -> Query:
    """Current state (latest revision) of every alert active in the range, newest first."""
    ids = topic_ids(topics)
    where = f"updated_at >= toDateTime({time_range.start_s}) AND opened_at < toDateTime({time_range.end_s})"
    if ids:
        where += f" AND topic_id IN ({_in_list(ids)})"
    having = ""
    if status is not None:
        if status not in ALERT_STATUSES:
            raise InvalidArgument(f"status must be one of {', '.join(ALERT_STATUSES)}, not {status!r}")
        having = f" HAVING status = {string_literal(status)}"
    # WHERE sits in a subquery: 18.16 substitutes aliases such as ``opened_at`` (= min(opened_at))
    # into WHERE and then refuses an aggregate there.
    sql = ("SELECT alert_id, any(topic_id) AS topic, any(series) AS series, argMax(status, revision) AS status, "
           "argMax(severity, revision) AS severity, min(opened_at) AS opened_at, max(updated_at) AS updated_at, "
           "argMax(resolved_at, revision) AS resolved_at, max(revision) AS revisions, "
           "argMax(window_start, revision) AS window_start, argMax(window_end, revision) AS window_end, "
           "argMax(observed, revision) AS observed, argMax(expected, revision) AS expected, "
           "argMax(ratio, revision) AS ratio, max(score) AS peak_score, argMax(top_terms, revision) AS top_terms "
           f"FROM (SELECT * FROM alerts WHERE {where}) GROUP BY alert_id{having} "
           f"ORDER BY opened_at DESC, alert_id LIMIT {positive_int(limit, 'limit', 100_000)}")
    return Query(sql, time_range, None, ids)


def alert_history(time_range: TimeRange, topics: Sequence[str] = (), limit: int = 1000) -> Query:
    """Every revision of the alerts active in the range (how each incident evolved)."""
    ids = topic_ids(topics)
    where = f"updated_at >= toDateTime({time_range.start_s}) AND opened_at < toDateTime({time_range.end_s})"
    if ids:
        where += f" AND topic_id IN ({_in_list(ids)})"
    sql = ("SELECT alert_id, revision, topic_id AS topic, series, status, severity, updated_at, window_start, "
           "window_end, observed, expected, ratio, score FROM alerts "
           f"WHERE {where} ORDER BY opened_at DESC, alert_id, revision LIMIT 1 BY alert_id, revision "
           f"LIMIT {positive_int(limit, 'limit', 100_000)}")
    return Query(sql, time_range, None, ids)


def dead_letter_summary(time_range: TimeRange, stage: str | None = None) -> Query:
    """Dead letters per stage and error type, with an example reason."""
    where = time_range.sql("received_at")
    if stage:
        where += f" AND stage = {string_literal(label(stage, 'stage'))}"
    sql = ("SELECT stage, error_type, uniqExact(id) AS letters, min(received_at) AS first_at, "
           "max(received_at) AS last_at, any(reason) AS example_reason "
           f"FROM dead_letters WHERE {where} GROUP BY stage, error_type ORDER BY letters DESC, stage, error_type")
    return Query(sql, time_range)


def dead_letter_list(time_range: TimeRange, stage: str | None = None, limit: int = 50,
                     payload_chars: int = 200) -> Query:
    """The latest dead letters with a payload preview."""
    where = time_range.sql("received_at")
    if stage:
        where += f" AND stage = {string_literal(label(stage, 'stage'))}"
    sql = ("SELECT received_at, stage, error_type, source, reason, "
           f"substringUTF8(payload, 1, {positive_int(payload_chars, 'payload chars')}) AS payload, "
           "payload_truncated, id FROM dead_letters "
           f"WHERE {where} ORDER BY received_at DESC, id LIMIT 1 BY id "
           f"LIMIT {positive_int(limit, 'limit', 100_000)}")
    return Query(sql, time_range)


def dead_letter_by_id(letter_id: str, time_range: TimeRange) -> Query:
    """One dead letter with its full payload."""
    if not is_hex_key(letter_id):
        raise InvalidArgument(f"not a dead letter id (lower-case hex): {letter_id!r}")
    sql = ("SELECT id, received_at, stage, error_type, source, reason, payload, payload_truncated "
           f"FROM dead_letters WHERE id = {string_literal(letter_id)} LIMIT 1")
    return Query(sql, time_range)

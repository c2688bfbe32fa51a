"""``earshot query ...``: read-only analyst queries (through a worker's endpoint or directly).

Every command takes ``--since/--until`` (``24h``, ``7d``, ISO dates), ``--format table|csv|json``,
``--plot FILE.png`` and ``--url`` (an http(s) ClickHouse-HTTP endpoint, or a ``chdb://`` /
``clickhouse://`` store; default: the worker's query endpoint if it answers, else the configured store).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from earshot.analyst.errors import AnalystError, InvalidArgument
from earshot.settings import Settings, get_settings


def run_sql(settings: Settings, sql: str, url: str | None = None) -> list[dict[str, Any]]:
    """Typed rows of one read-only statement: via the worker's HTTP endpoint when it is up (the
    worker owns an embedded store), else straight to the configured store."""
    from earshot.analyst.store import open_store

    store = open_store(settings, url)
    try:
        return store.rows(sql)
    finally:
        store.close()


def competitors_from_watchlist(path: Path, topic: str) -> list[str]:
    """Competitor ids of ``topic`` in the watchlist file (for ``sov`` without ``--vs``)."""
    from enrich.matching.watchlist import parse_watchlist

    try:
        watchlist = parse_watchlist(path.read_text(encoding="utf-8"), str(path))
        return watchlist.competitors_of(topic)
    except OSError as exc:
        raise InvalidArgument(f"no --vs given and the watchlist {path} is unreadable: {exc}") from None
    except KeyError:
        raise InvalidArgument(f"topic {topic!r} is not in the watchlist {path}; give competitors with --vs") from None
    except ValueError as exc:
        raise InvalidArgument(f"watchlist {path}: {exc}") from None


def _report(args: argparse.Namespace, store: Any) -> Any:
    from earshot.analyst import reports
    from earshot.analyst.timerange import Interval, TimeRange, parse_duration

    tr = TimeRange.parse(args.since, args.until)
    interval = Interval.parse(args.interval) if getattr(args, "interval", None) else None
    topics = getattr(args, "topic", None) or []
    kind = args.kind
    if kind == "trend":
        return reports.trend(store, tr, interval or Interval.HOUR, topics, args.metric)
    if kind == "sov":
        if len(topics) != 1 or "," in topics[0]:
            raise InvalidArgument("sov takes one --topic (the brand); list competitors with --vs")
        rivals = args.vs or competitors_from_watchlist(get_settings().watchlist, topics[0])
        return reports.share_of_voice(store, tr, topics[0], rivals, interval)
    if kind == "sentiment":
        if args.trend and interval is None:
            interval = Interval.HOUR
        return reports.sentiment(store, tr, topics, interval)
    if kind == "top":
        return reports.top_mentions(store, tr, args.by, topics, args.limit)
    if kind == "terms":
        length = parse_duration(args.baseline)
        baseline = TimeRange(tr.start - length, tr.start)
        return reports.trending_terms(store, tr, baseline, topics, args.limit, args.min_count, args.hashtags)
    if kind == "alerts":
        return reports.alerts(store, tr, topics, args.status, args.history, args.limit)
    if kind == "deadletters":
        return reports.dead_letters(store, tr, args.stage, args.list, args.id, args.limit)
    raise InvalidArgument(f"unknown query {kind!r}")


def _cmd_report(args: argparse.Namespace) -> int:
    from earshot.analyst.output import render
    from earshot.analyst.store import open_store

    try:
        store = open_store(get_settings(), args.url)
        try:
            report = _report(args, store)
        finally:
            store.close()
        print(render(report, args.format, tty=args.format == "table" and sys.stdout.isatty()))
        if args.plot:
            from earshot.analyst.plot import render_png

            print(f"chart written to {render_png(report, Path(args.plot))}", file=sys.stderr)
    except InvalidArgument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AnalystError as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_sql(args: argparse.Namespace) -> int:
    from earshot.analyst.output import render
    from earshot.analyst.reports import Report

    try:
        rows = run_sql(get_settings(), args.sql, args.url)
    except AnalystError as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    columns = list(rows[0]) if rows else []
    print(render(Report("sql", columns, rows), args.format))
    return 0


def _common(p: argparse.ArgumentParser, since: str, interval: str | None = None, topics: bool = True,
            with_interval: bool = False) -> None:
    if topics:
        p.add_argument("--topic", action="append", metavar="ID", help="topic id (repeat or comma-separate)")
    p.add_argument("--since", default=since, help=f"start: 24h, 7d, 2w or an ISO date/time UTC (default {since})")
    p.add_argument("--until", default=None, help="end (default now)")
    if interval is not None or with_interval:
        p.add_argument("--interval", default=interval, choices=["minute", "hour", "day"],
                       help="bucket size" + (f" (default {interval})" if interval else ""))
    p.add_argument("--format", default="table", choices=["table", "csv", "json"])
    p.add_argument("--plot", metavar="FILE.png", help="also draw a chart to this PNG file")
    p.add_argument("--url", help="http(s) ClickHouse-HTTP endpoint or chdb:// / clickhouse:// store "
                                 "(default: the worker's query endpoint, else EARSHOT_CLICKHOUSE_URL)")
    p.set_defaults(func=_cmd_report)


def _limit(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument("--limit", type=int, default=default, help=f"rows (default {default})")


def register_query_commands(sub: Any) -> None:
    """Add ``query`` and its subcommands to the top-level ``earshot`` parser."""
    query = sub.add_parser("query", help="query the store (trends, share of voice, sentiment ...)")
    kinds = query.add_subparsers(dest="kind", required=True)
    add: Callable[..., argparse.ArgumentParser] = kinds.add_parser

    p = add("trend", help="mentions per minute/hour/day per topic (all mentions without --topic)")
    _common(p, "24h", "hour")
    from earshot.analyst.reports import TREND_METRICS

    p.add_argument("--metric", default="mentions", choices=TREND_METRICS, help="what the chart and sparkline show")

    p = add("sov", help="share of voice of a brand (--topic) against competitors (--vs, default: watchlist)")
    _common(p, "7d", with_interval=True)
    p.add_argument("--vs", action="append", metavar="ID", help="competitor topic ids (repeat or comma-separate)")

    p = add("sentiment", help="sentiment breakdown per topic; trend with --trend or --interval")
    _common(p, "24h", with_interval=True)
    p.add_argument("--trend", action="store_true", help="per bucket (default --interval hour)")

    p = add("top", help="top mentions by reach (author followers) or engagement")
    _common(p, "24h")
    p.add_argument("--by", default="reach", choices=["reach", "engagement"])
    _limit(p, 10)

    p = add("terms", help="trending terms and hashtags: the range vs the baseline period before it")
    _common(p, "24h")
    p.add_argument("--baseline", default="7d", help="length of the baseline before --since (default 7d)")
    p.add_argument("--min-count", type=int, default=3, help="least mentions in the range (default 3)")
    p.add_argument("--hashtags", action="store_true", help="hashtags only")
    _limit(p, 20)

    p = add("alerts", help="alert history: current state of each incident, or every revision (--history)")
    _common(p, "7d")
    p.add_argument("--status", choices=["open", "update", "resolved"], help="only incidents in this state")
    p.add_argument("--history", action="store_true", help="every revision")
    _limit(p, 100)

    p = add("deadletters", help="dead letters per stage and error type; --list for the latest, --id for one")
    _common(p, "7d", topics=False)
    p.add_argument("--stage", help="only this stage (ingest, webhook, enrich, sink ...)")
    p.add_argument("--list", action="store_true", help="the latest dead letters with a payload preview")
    p.add_argument("--id", help="one dead letter with its full payload")
    _limit(p, 50)

    p = add("sql", help="run one read-only SQL statement")
    p.add_argument("sql")
    p.add_argument("--format", default="table", choices=["table", "csv", "json"])
    p.add_argument("--url", help="http(s) ClickHouse-HTTP endpoint or chdb:// / clickhouse:// store")
    p.set_defaults(func=_cmd_sql)

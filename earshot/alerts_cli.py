"""``earshot alerts ...``: backfill the spike detector over stored counts, and list alerts."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from earshot.analyst.errors import InvalidArgument
from earshot.analyst.timerange import parse_time
from earshot.settings import get_settings


def _cmd_backfill(args: argparse.Namespace) -> int:
    from earshot.query_client import format_table
    from pipeline.alerting.stage import run_backfill
    from pipeline.alerting.store import SpikeStore
    from sinks.backends import open_backend

    settings = get_settings()
    now = datetime.now(UTC)
    try:
        since = parse_time(args.since, now)
        until = parse_time(args.until, now) if args.until else None
    except InvalidArgument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    backend = open_backend(settings.clickhouse_url)
    try:
        store = SpikeStore(backend)
        if until is None:  # what the live stage has final: the newest event minus the allowed lateness
            from pipeline.alerting.watermark import closed_until

            progress = store.progress()
            newest = max((e for _, e, _ in progress), default=datetime.now(UTC).timestamp())
            until = datetime.fromtimestamp(closed_until(newest, settings.spike_allowed_lateness_s), UTC)
        alerts = run_backfill(store, since.timestamp(), until.timestamp(),
                              false_alarms_per_week=settings.spike_false_alarms_per_week,
                              merge_overlap=settings.spike_merge_overlap)
        rows = [_row(a) for a in alerts]
        print(format_table(rows) if rows else "(no alerts)")
        if args.compare:
            stored = backend.query(
                "SELECT alert_id, revision, status, severity FROM alerts FINAL "
                f"WHERE window_start >= toDateTime('{since:%Y-%m-%d %H:%M:%S}', 'UTC') "
                f"AND window_start < toDateTime('{until:%Y-%m-%d %H:%M:%S}', 'UTC') ORDER BY alert_id, revision")
            live = {(str(r["alert_id"]), int(r["revision"]), str(r["status"]), str(r["severity"])) for r in stored}
            back = {(a.alert_id, a.revision, a.status, a.severity) for a in alerts}
            if live == back:
                print(f"backfill matches the {len(live)} stored alert revisions")
                return 0
            print(f"differences: only live {sorted(live - back)}; only backfill {sorted(back - live)}")
            return 1
        return 0
    finally:
        backend.close()


def _row(a: Any) -> dict[str, Any]:
    return {"alert_id": a.alert_id, "rev": a.revision, "status": a.status, "severity": a.severity,
            "topic": a.topic_id, "series": a.series, "window_start": f"{a.window_start:%Y-%m-%d %H:%M}",
            "observed": a.observed, "expected": round(a.expected, 2), "related": ",".join(a.related_topics)}


def register_alert_commands(sub: Any) -> None:
    alerts = sub.add_parser("alerts", help="spike alerts").add_subparsers(dest="action", required=True)
    p = alerts.add_parser("backfill", help="run the spike detector over stored counts (sends nothing)")
    p.add_argument("--since", required=True, help="ISO time or relative (7d, 24h)")
    p.add_argument("--until", help="default: the newest stored event minus the allowed lateness")
    p.add_argument("--compare", action="store_true", help="compare with the alerts the live stream stored")
    p.set_defaults(func=_cmd_backfill)



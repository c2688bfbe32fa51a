"""``earshot admin ...``: store maintenance that needs write access (retention, aggregate rebuild).

These open the store directly (``--url`` or ``EARSHOT_CLICKHOUSE_URL``); an embedded chdb store must
not be owned by a running worker at the same time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from earshot.settings import get_settings


def _cmd_retention(args: argparse.Namespace) -> int:
    from sinks.backends import open_backend
    from sinks.errors import SinkError
    from sinks.retention import drop_old_partitions

    try:
        backend = open_backend(args.url or get_settings().clickhouse_url)
        try:
            dropped = drop_old_partitions(backend, args.days, args.aggregate_days, dry_run=args.dry_run)
        finally:
            backend.close()
    except SinkError as exc:
        print(f"retention failed: {exc}", file=sys.stderr)
        return 1
    verb = "would drop" if args.dry_run else "dropped"
    for p in dropped:
        print(f"{verb} {p.table} partition {p.partition_id} (last day {p.last_day})")
    print(f"{verb} {len(dropped)} partition(s)")
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from sinks.aggregates import rebuild_aggregates
    from sinks.backends import open_backend
    from sinks.errors import SinkError

    try:
        backend = open_backend(args.url or get_settings().clickhouse_url)
        try:
            rebuild_aggregates(backend)
        finally:
            backend.close()
    except SinkError as exc:
        print(f"rebuild failed: {exc}", file=sys.stderr)
        return 1
    print("rebuilt topic_volume_1m and volume_1m from mentions")
    return 0


def register_admin_commands(sub: Any) -> None:
    """Add ``admin`` and its subcommands to the top-level ``earshot`` parser."""
    admin = sub.add_parser("admin", help="store maintenance (retention, aggregate rebuild)")
    cmds = admin.add_subparsers(dest="action", required=True)
    p = cmds.add_parser("retention", help="drop partitions older than --days (18.16 has no TTL)")
    p.add_argument("--days", type=int, required=True, help="keep this many days of raw data")
    p.add_argument("--aggregate-days", type=int, default=None,
                   help="keep per-minute aggregates this long (default: --days)")
    p.add_argument("--dry-run", action="store_true", help="only list what would be dropped")
    p.add_argument("--url", help="chdb:// or clickhouse:// store (default EARSHOT_CLICKHOUSE_URL)")
    p.set_defaults(func=_cmd_retention)
    p = cmds.add_parser("rebuild-aggregates", help="recompute per-minute aggregates from mentions (sink stopped)")
    p.add_argument("--url", help="chdb:// or clickhouse:// store (default EARSHOT_CLICKHOUSE_URL)")
    p.set_defaults(func=_cmd_rebuild)

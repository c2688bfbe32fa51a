"""The ``earshot`` command: one entry point for every stage and tool."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from earshot.settings import get_settings


def _cmd_worker(_args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from pipeline.worker import run_worker

    try:
        settings = get_settings()
    except ValidationError as exc:  # e.g. an unknown stage in EARSHOT_WORKER_STAGES
        print(f"earshot worker: invalid settings: {exc}", file=sys.stderr)
        return 2
    run_worker(settings)
    return 0


def _cmd_ingest_file(args: argparse.Namespace) -> int:
    from earshot.kafka import ensure_topics
    from ingest.errors import IngestError
    from ingest.publisher import MentionPublisher
    from ingest.replay import replay
    from ingest.sources import open_source
    from pipeline.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    ensure_topics(settings)
    publisher = MentionPublisher(settings)
    status = 0
    try:
        for path in args.paths:
            try:
                result = replay(open_source(path), publisher, speed=args.speed,
                                progress=False if args.no_progress else None)
            except IngestError as exc:
                logging.getLogger("earshot.ingest").error("%s", exc)
                status = 1
                continue
            print(f"{path}: published {result.valid} mentions in {result.stats.envelopes} messages, "
                  f"{result.invalid} invalid -> {settings.topic_deadletter}")
    finally:
        publisher.close()
    return status


def _cmd_ingest_webhook(args: argparse.Namespace) -> int:
    from earshot.kafka import ensure_topics
    from ingest.auth import WebhookAuth
    from ingest.publisher import MentionPublisher
    from ingest.webhook import serve
    from pipeline.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    auth = WebhookAuth.from_settings(settings)  # fails fast on a bad EARSHOT_WEBHOOK_AUTH / secret pair
    ensure_topics(settings)
    publisher = MentionPublisher(settings)
    host, port = args.host or settings.webhook_host, args.port or settings.webhook_port
    logging.getLogger("earshot.webhook").info("webhook receiver on http://%s:%d/mentions (auth: %s)", host, port,
                                              auth.mode)
    try:
        serve(publisher, host, port, auth)
    finally:
        publisher.close()
    return 0


def _cmd_stack(args: argparse.Namespace) -> int:
    from earshot.services.broker import LocalBroker

    settings = get_settings()
    base = settings.data_dir
    port = int(settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[1])
    broker = LocalBroker(base / "broker", port=port)
    clickhouse = None
    if args.clickhouse:
        from earshot.services.clickhouse import LocalClickHouse

        clickhouse = LocalClickHouse(base / "clickhouse", http_port=args.ch_http_port, tcp_port=args.ch_tcp_port)
    if args.action == "up":
        broker.start()
        print(f"broker: {broker.bootstrap}")
        if clickhouse:
            clickhouse.start()
            print(f"clickhouse: {clickhouse.url}")
    elif args.action == "down":
        broker.stop()
        if clickhouse:
            clickhouse.stop()
        print("stopped")
    else:
        print(f"broker: {'running on ' + broker.bootstrap if broker.is_running() else 'stopped'}")
        if clickhouse:
            print(f"clickhouse: {'running' if clickhouse.is_running() else 'stopped'}")
    return 0


def _cmd_schemas(args: argparse.Namespace) -> int:
    from earshot.schema_export import cluster_ddl, export

    if args.cluster:
        print(cluster_ddl(args.cluster, args.database, replicated=args.replicated, on_cluster=args.on_cluster,
                          drop=args.drop), end="")
        return 0
    print(export(args.out))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from earshot.demo import DemoError, run_demo

    try:
        run_demo(args.inputs, workdir=args.workdir, timeout=args.timeout)
        return 0
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="earshot", description="Social listening stream pipeline.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="the main job: local broker + chdb, sample data in, trends and alerts out")
    p.add_argument("inputs", nargs="*", type=Path,
                   default=[Path("data/sample_mentions.jsonl"), Path("data/sample_invalid.jsonl")])
    p.add_argument("--workdir", type=Path, default=Path("var/demo"))
    p.add_argument("--timeout", type=float, default=240.0)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("worker", help="run a Faust worker (enrich + ClickHouse sink); settings from EARSHOT_*")
    p.set_defaults(func=_cmd_worker)

    ingest = sub.add_parser("ingest", help="publish mentions to Kafka").add_subparsers(dest="source", required=True)
    p = ingest.add_parser("file", help="replay JSONL or CSV files")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--speed", type=float, default=None,
                   help="replay at original pace times SPEED (default: as fast as possible)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_ingest_file)
    p = ingest.add_parser("webhook", help="HTTP receiver: POST /mentions")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=_cmd_ingest_webhook)

    p = sub.add_parser("stack", help="start/stop the local broker (and ClickHouse 18.16 server)")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--clickhouse", action="store_true", help="also the local ClickHouse server")
    p.add_argument("--ch-http-port", type=int, default=8123)
    p.add_argument("--ch-tcp-port", type=int, default=9000)
    p.set_defaults(func=_cmd_stack)

    p = sub.add_parser("schemas", help="export the JSON Schemas of the shared models, or the ClickHouse cluster DDL")
    p.add_argument("--out", type=Path, default=None, help="directory (default: print to stdout)")
    p.add_argument("--cluster", metavar="NAME", help="print the ClickHouse cluster DDL (ON CLUSTER NAME: local "
                   "tables, Distributed tables, views) instead; see docs/cluster.md")
    p.add_argument("--database", default="earshot", help="database of the cluster DDL (default: earshot)")
    p.add_argument("--replicated", action=argparse.BooleanOptionalAction, default=True,
                   help="Replicated*MergeTree local tables (default) or plain ones (--no-replicated)")
    p.add_argument("--on-cluster", action=argparse.BooleanOptionalAction, default=True,
                   help="ON CLUSTER clauses (default); --no-on-cluster: statements to run on every node yourself")
    p.add_argument("--drop", action="store_true", help="print the DROP statements of the cluster schema instead")
    p.set_defaults(func=_cmd_schemas)

    from earshot.analyst.cli import register_query_commands

    register_query_commands(sub)
    from earshot.alerts_cli import register_alert_commands

    register_alert_commands(sub)
    from earshot.analyst.admin import register_admin_commands

    register_admin_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

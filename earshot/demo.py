"""The main job (``earshot run``): local broker + embedded chdb, sample data in, trends and alerts out.

Starts everything it needs on 127.0.0.1 (free ports), replays the sample files through ingest and a
Faust worker into chdb, waits until every valid mention is queryable, prints a summary, and stops
everything it started - also on failure or Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earshot.kafka import ensure_topics
from earshot.query_client import format_table, http_ping, http_query, sparkline
from earshot.services.broker import LocalBroker
from earshot.services.ports import free_port
from earshot.services.process import stop_process
from earshot.settings import Settings


class DemoError(RuntimeError):
    """The main job could not complete (the message says which step and where the logs are)."""


def _say(msg: str) -> None:
    print(msg, flush=True)


def _wait(what: str, check: Callable[[], bool], timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    hint = f"; see {log}" if log else ""
    raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}{hint}")


def demo_env(workdir: Path, bootstrap: str, query_port: int, web_port: int,
             webhook_url: str | None = None) -> dict[str, str]:
    """Environment of the demo's worker: its own store, ports and short-lived topics."""
    env = {
        "EARSHOT_KAFKA_BOOTSTRAP": bootstrap,
        "EARSHOT_CLICKHOUSE_URL": f"chdb://{(workdir / 'chdb').resolve()}",
        "EARSHOT_QUERY_HTTP_PORT": str(query_port),
        "EARSHOT_WORKER_WEB_PORT": str(web_port),
        "EARSHOT_APP_ID": "earshot-demo",
        "EARSHOT_TOPIC_RETENTION_MS": str(3600 * 1000),
        "EARSHOT_SPIKE_POLL_S": "1",
    }
    if webhook_url:
        env["EARSHOT_ALERT_WEBHOOK_URL"] = webhook_url
    return env


class WebhookCatcher:
    """A local HTTP endpoint standing in for on-call's webhook: it records every alert POSTed to it."""

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        received: list[dict[str, Any]] = []
        arrived_at: list[float] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                alert = json.loads(self.rfile.read(length))
                arrived_at.append(time.time())
                received.append(alert)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.arrived_at = arrived_at
        """Wall-clock arrival time of each alert in ``received`` (same order)."""
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class DemoReport:
    """What the main job did: mentions in, dead letters, alert messages the webhook received."""

    valid: int = 0
    invalid: int = 0
    stored: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)


def run_demo(inputs: list[Path], workdir: Path = Path("var/demo"), timeout: float = 240.0) -> DemoReport:
    """Run the whole job and print its summary; raises :class:`DemoError` when a step fails."""
    for path in inputs:
        if not path.exists():
            raise DemoError(f"missing input {path}: run `python data/generate_sample.py` to create it")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    broker = LocalBroker(workdir / "broker", port=free_port())
    query_port, web_port = free_port(), free_port()
    catcher = WebhookCatcher()
    env = demo_env(workdir, broker.bootstrap, query_port, web_port, catcher.url)
    settings = Settings(**{k.removeprefix("EARSHOT_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    query_url = f"http://127.0.0.1:{query_port}"
    worker_log = workdir / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    t0 = time.monotonic()
    try:
        _say(f"[1/5] starting Kafka-compatible broker (Tansu) on {broker.bootstrap}")
        broker.start()
        ensure_topics(settings)
        _say(f"[2/5] starting Faust worker (store: embedded chdb at {workdir / 'chdb'}; log: {worker_log})")
        with open(worker_log, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "earshot.cli", "worker"], stdout=log,
                                      stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
        _wait("the worker's query endpoint", lambda: _alive(worker, worker_log) and http_ping(query_url), 90,
              worker_log)
        _say("[3/5] replaying sample data through ingest")
        valid = invalid = 0
        from ingest.publisher import MentionPublisher
        from ingest.replay import replay
        from ingest.sources import open_source

        publisher = MentionPublisher(settings)
        try:
            for path in inputs:
                result = replay(open_source(path), publisher, speed=None, progress=False)
                valid += result.valid
                invalid += result.invalid
                _say(f"      {path}: {result.valid} valid, {result.invalid} invalid -> dead letters")
        finally:
            publisher.close()
        _say(f"[4/5] waiting until all {valid} mentions and {invalid} dead letters are in ClickHouse")
        expected_keys = _distinct_keys(inputs)

        def landed() -> bool:
            _alive(worker, worker_log)
            rows = http_query(query_url, "SELECT (SELECT uniqExact(mention_key) FROM mentions) AS m, "
                                         "(SELECT count() FROM dead_letters) AS d")
            return int(rows[0]["m"]) >= expected_keys and int(rows[0]["d"]) >= invalid

        _wait("mentions to land in ClickHouse", landed, timeout, worker_log)
        _say(f"      stored in {time.monotonic() - t0:.1f}s; scoring closed minutes for spikes")
        final = _last_closed_minute(query_url, settings.spike_allowed_lateness_s)
        ready_url = f"http://127.0.0.1:{web_port}/readyz"
        _wait("the spike stage to score every closed minute", lambda: spikes_scored_until(ready_url) >= final, timeout,
              worker_log)
        _wait("alert deliveries", lambda: _delivered(query_url), 30, worker_log)
        _say(f"      done in {time.monotonic() - t0:.1f}s\n")
        _say("[5/5] summary")
        print_summary(query_url)
        report = DemoReport(valid=valid, invalid=invalid, delivered=list(catcher.received),
                            stored=int(http_query(query_url, "SELECT count() AS c FROM mentions")[0]["c"]))
        _say(f"\n== Alert messages delivered to the webhook ({catcher.url})")
        for a in catcher.received:
            related = f" (+ {', '.join(a['related_topics'])})" if a.get("related_topics") else ""
            _say(f"  rev {a['revision']} {a['status']:<8} {a['severity']:<8} {a['topic_id']}{related}: "
                 f"{a['observed']:.0f} vs {a['expected']:.1f} expected, window {a['window_start']}")
        if not catcher.received:
            _say("  (none)")
        return report
    finally:
        if worker is not None:
            stop_process(worker)
        broker.stop()
        catcher.close()


def _last_closed_minute(query_url: str, lateness_s: float) -> float:
    from pipeline.alerting.watermark import closed_until

    newest = http_query(query_url, "SELECT toUInt32(max(created_at)) AS t FROM mentions")[0]["t"]
    return closed_until(float(newest), lateness_s)


def spikes_scored_until(ready_url: str) -> float:
    """Epoch seconds up to which a worker's spike stage stored and sent its alerts (0 if none yet)."""
    import json
    import urllib.request
    from datetime import datetime

    try:
        with urllib.request.urlopen(ready_url, timeout=5) as resp:
            body = json.loads(resp.read())
    except OSError as exc:  # 503 while rebalancing carries the same body
        body = json.loads(exc.read()) if hasattr(exc, "read") else {}
    scored = body.get("spikes_scored_until")
    return datetime.fromisoformat(scored).timestamp() if scored else 0.0


def _delivered(query_url: str) -> bool:
    """True once every stored alert revision was delivered (or there are none)."""
    rows = http_query(query_url, "SELECT (SELECT count() FROM alerts) AS a, (SELECT uniqExact(alert_id, revision) "
                                 "FROM alert_deliveries WHERE status = 'delivered') AS d")
    return int(rows[0]["d"]) >= int(rows[0]["a"])


def _alive(worker: subprocess.Popen[bytes], log: Path) -> bool:
    if worker.poll() is not None:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise DemoError(f"the worker exited with status {worker.returncode}; last log lines:\n{tail}")
    return True




def _distinct_keys(inputs: list[Path]) -> int:
    """Distinct valid mentions in the inputs (the same post twice is one row)."""
    from ingest.records import validate_record
    from ingest.sources import open_source
    from schemas import RawMention

    keys = set()
    for path in inputs:
        for record in open_source(path).records():
            item = validate_record(record)
            if isinstance(item, RawMention):
                keys.add(item.key)
    return len(keys)


SUMMARY_QUERIES: dict[str, str] = {
    "Mentions per topic": """
        SELECT topic_id AS topic, any(topic_group) AS grp, uniqExact(mention_key) AS mentions,
               countIf(sentiment_label = 'positive') AS pos, countIf(sentiment_label = 'negative') AS neg,
               round(avg(sentiment_compound), 3) AS avg_compound
        FROM mention_topics GROUP BY topic_id ORDER BY mentions DESC""",
    "Sentiment mix": """
        SELECT if(sentiment_scored = 1, sentiment_label, 'unscored') AS sentiment, count() AS mentions,
               round(100 * count() / (SELECT count() FROM mentions FINAL), 1) AS pct
        FROM mentions FINAL GROUP BY sentiment ORDER BY mentions DESC""",
    "Languages": """
        SELECT lang, count() AS mentions FROM mentions FINAL GROUP BY lang ORDER BY mentions DESC LIMIT 8""",
    "Dead letters": """
        SELECT stage, error_type, count() AS n, any(reason) AS example_reason
        FROM dead_letters GROUP BY stage, error_type ORDER BY n DESC""",
}


def print_summary(query_url: str) -> None:
    """Print the summary tables, the per-minute trend as sparklines, and alerts."""
    for title, sql in SUMMARY_QUERIES.items():
        _say(f"== {title}")
        _say(format_table(http_query(query_url, sql)))
        _say("")
    _say("== Per-minute trend")
    rows = http_query(query_url, "SELECT toStartOfMinute(created_at) AS m, count() AS c FROM mentions FINAL "
                                 "GROUP BY m ORDER BY m")
    _print_trend("all", rows)
    topics = http_query(query_url, "SELECT topic_id FROM mention_topics GROUP BY topic_id "
                                   "ORDER BY uniqExact(mention_key) DESC LIMIT 5")
    for t in topics:
        tid = str(t["topic_id"]).replace("'", "")
        rows = http_query(query_url, f"SELECT toStartOfMinute(created_at) AS m, uniqExact(mention_key) AS c "
                                     f"FROM mention_topics WHERE topic_id = '{tid}' GROUP BY m ORDER BY m")
        _print_trend(tid, rows)
    _say("")
    _say("== Alerts")
    alerts = http_query(query_url, "SELECT alert_id, revision AS rev, status, severity, topic_id, series, "
                                   "window_start, observed, round(expected, 1) AS expected, related_topics "
                                   "FROM alerts FINAL ORDER BY alert_id, revision")
    _say(format_table(alerts) if alerts else "(no alerts)")


TREND_WIDTH = 90


def _print_trend(name: str, rows: list[dict[str, Any]]) -> None:
    counts = _fill_minutes(rows)
    if not counts:
        return
    step = -(-len(counts) // TREND_WIDTH)  # minutes per character, so the line fits a terminal
    buckets = [sum(counts[i:i + step]) for i in range(0, len(counts), step)]
    _say(f"{name:>16} {sparkline(buckets)}  peak {max(counts):.0f}/min over {len(counts)} min "
         f"({step} min per char)")


def _fill_minutes(rows: list[dict[str, Any]]) -> list[float]:
    """Counts per minute with missing minutes filled with zeros."""
    from datetime import datetime

    if not rows:
        return []
    points = {datetime.fromisoformat(str(r["m"])).timestamp(): float(r["c"]) for r in rows}
    start, end = min(points), max(points)
    return [points.get(start + 60 * i, 0.0) for i in range(int((end - start) // 60) + 1)]

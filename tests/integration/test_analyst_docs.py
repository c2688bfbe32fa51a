"""Every SQL block of docs/queries.md and every Grafana panel query runs on both engines and finds data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas import Alert, DeadLetter
from sinks.writers import AlertWriter, DeadLetterWriter, MentionWriter
from tests.fixtures.clickhouse import make_mention

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def doc_queries() -> list[str]:
    return SQL_BLOCK.findall((REPO / "docs/queries.md").read_text())


def grafana_queries(start: datetime, end: datetime) -> dict[str, str]:
    """Panel SQL with the plugin's macros expanded the way it expands them for ClickHouse."""
    dash = json.loads((REPO / "deploy/grafana/earshot-dashboard.json").read_text())
    lo, hi = int(start.timestamp()), int(end.timestamp())
    out = {"topic variable": dash["templating"]["list"][1]["query"]}
    for panel in dash["panels"]:
        for target in panel["targets"]:
            sql = re.sub(r"\$__timeFilter\((\w+)\)", rf"\1 >= toDateTime({lo}) AND \1 <= toDateTime({hi})",
                         target["rawSql"])
            sql = sql.replace("$__fromTime", str(lo)).replace("$__toTime", str(hi))
            out[panel["title"]] = sql.replace("${topic:singlequote}", "'acme','brewco'")
    return out


def seed_recent(backend: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    MentionWriter(backend).write(
        [make_mention(i, created_at=now - timedelta(hours=2 + i), topics=("acme", "brewco") if i % 2 else ("acme",),
                      sentiment=("positive", "negative", None)[i % 3], text=f"#deal number {i} from acme")
         for i in range(6)]
        + [make_mention(100, created_at=now - timedelta(days=3), text="#deal last week")])
    AlertWriter(backend).write([Alert(
        alert_id="x1", revision=1, topic_id="acme", status="open", severity="warning",  # type: ignore[arg-type]
        window_start=now - timedelta(hours=1), window_end=now, observed=9.0, expected=2.0, ratio=4.5, score=0.8,
        opened_at=now - timedelta(hours=1), updated_at=now - timedelta(minutes=5))])
    DeadLetterWriter(backend).write([DeadLetter.make(stage="ingest", source="f:1", reason="bad", error_type="parse",
                                                     payload="{", received_at=now - timedelta(hours=1))])


def test_docs_have_the_promised_queries() -> None:
    text = " ".join(doc_queries())
    assert len(doc_queries()) >= 9
    for table in ("topic_volume_1m", "volume_1m", "mentions", "alerts", "dead_letters"):
        assert f"FROM {table}" in text


def test_every_documented_and_dashboard_query_runs(ch_backend: Any) -> None:
    seed_recent(ch_backend)
    now = datetime.now(UTC)
    queries = {f"docs block {i + 1}": sql for i, sql in enumerate(doc_queries())}
    queries.update(grafana_queries(now - timedelta(days=7), now))
    for name, sql in queries.items():
        rows = ch_backend.query(sql)
        assert rows, f"{name} returned no rows:\n{sql}"
    sov = ch_backend.query(doc_queries()[2])
    assert {r["topic_id"]: r["share_pct"] for r in sov} == {"acme": 70, "brewco": 30}  # 7 vs 3 mentions
    tags = ch_backend.query(doc_queries()[6])
    assert tags[0]["tag"] == "#deal" and tags[0]["recent"] == 6 and tags[0]["baseline"] == 1

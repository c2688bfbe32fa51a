"""The sample data generator (data/generate_sample.py) and the files it ships."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import statistics
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from schemas import RawMention

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NIMBUS = re.compile(r"nimbus|님버스", re.IGNORECASE)
HEAT = re.compile(r"overheat|\bhot\b|warm|burn|swell|bulg|발열|뜨거|부풀|熱|calienta")


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sample", DATA / "generate_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_sample", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shipped() -> list[dict[str, Any]]:
    with (DATA / "sample_mentions.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _minute(record: dict[str, Any], base: datetime) -> int:
    ts = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))
    return int((ts - base).total_seconds() // 60)


def test_generator_is_deterministic_and_seeded(gen: ModuleType) -> None:
    first = gen.generate(seed=7, minutes=40, scale=0.3)
    assert len(first) > 50
    assert gen.generate(seed=7, minutes=40, scale=0.3) == first
    assert gen.generate(seed=8, minutes=40, scale=0.3) != first


def test_shipped_file_matches_generator(gen: ModuleType, shipped: list[dict[str, Any]]) -> None:
    assert gen.generate() == shipped, "regenerate with: python data/generate_sample.py"


def test_every_shipped_record_validates_and_is_sorted(shipped: list[dict[str, Any]]) -> None:
    assert 2000 <= len(shipped) <= 4000
    mentions = [RawMention.model_validate(r) for r in shipped]
    times = [m.created_at for m in mentions]
    assert times == sorted(times)
    assert len({m.key for m in mentions}) == len(mentions)
    assert {m.platform for m in mentions} >= {"x", "reddit", "instagram", "youtube", "tiktok", "news",
                                               "blog", "naver_blog"}
    assert (times[-1] - times[0]).total_seconds() > 2.9 * 3600


def test_references_point_to_earlier_posts(shipped: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, str]] = set()
    refs: Counter[str] = Counter()
    for r in shipped:
        for field in ("reply_to_id", "quote_of_id", "repost_of_id"):
            if field in r:
                assert (r["platform"], r[field]) in seen, r
                refs[field] += 1
        seen.add((r["platform"], r["source_id"]))
    assert all(refs[f] >= 10 for f in ("reply_to_id", "quote_of_id", "repost_of_id"))


def test_exactly_one_spike_for_the_spike_brand(gen: ModuleType, shipped: list[dict[str, Any]]) -> None:
    per_minute = Counter(_minute(r, gen.BASE_TIME) for r in shipped if NIMBUS.search(r["text"]))
    counts = [per_minute[m] for m in range(gen.DURATION_MIN)]
    median = statistics.median(counts)
    hot = [m for m, c in enumerate(counts) if c >= 4 * median]
    assert hot and gen.SPIKE_START_MIN <= min(hot) and max(hot) < gen.SPIKE_END_MIN
    window = counts[gen.SPIKE_START_MIN:gen.SPIKE_END_MIN]
    assert statistics.mean(window) >= 6 * median
    assert max(window) >= 8 * median
    spike_texts = [r["text"].lower() for r in shipped
                   if gen.SPIKE_START_MIN <= _minute(r, gen.BASE_TIME) < gen.SPIKE_END_MIN
                   and NIMBUS.search(r["text"])]
    about_heat = sum(bool(HEAT.search(t)) for t in spike_texts)
    assert about_heat / len(spike_texts) > 0.6


def test_language_mix(shipped: list[dict[str, Any]]) -> None:
    korean = sum(bool(HANGUL.search(r["text"])) for r in shipped) / len(shipped)
    assert 0.12 <= korean <= 0.18
    langs = Counter(r.get("lang") for r in shipped)
    assert langs["ja"] >= 5 and langs["es"] >= 5
    assert any(p in r["text"] for r in shipped for p in ("님버스가", "님버스는"))


def test_personal_data_appears_in_some_complaints(shipped: list[dict[str, Any]]) -> None:
    texts = [r["text"] for r in shipped]
    assert sum(bool(re.search(r"[\w.]+@example\.com", t)) for t in texts) >= 3
    assert sum(bool(re.search(r"\+1 415-555-\d{4}|010-\d{4}-\d{4}", t)) for t in texts) >= 3


def test_watchlist_terms_and_false_friends_occur_in_the_sample(shipped: list[dict[str, Any]]) -> None:
    texts = [r["text"].lower() for r in shipped]
    topics = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text(encoding="utf-8"))["topics"]
    missing = [(t["id"], term) for t in topics
               for key in ("terms", "hashtags", "handles", "domains", "exclude")
               for term in t.get(key, [])
               if not any(term.lower() in text for text in texts)]
    assert not missing


def test_watchlist_shape() -> None:
    topics = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text(encoding="utf-8"))["topics"]
    ids = [t["id"] for t in topics]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z0-9_-]+", i) for i in ids)
    allowed = {"id", "name", "group", "terms", "hashtags", "handles", "domains", "exclude", "competitors", "query"}
    for t in topics:
        assert set(t) <= allowed, t["id"]
        assert t["group"] in {"brand", "competitor", "product", "campaign", "industry"}
        has_terms = any(t.get(k) for k in ("terms", "hashtags", "handles", "domains"))
        assert has_terms != ("query" in t), f"{t['id']}: either query or term lists"
        assert set(t.get("competitors", [])) <= set(ids)
    assert {t["group"] for t in topics} == {"brand", "competitor", "product", "campaign", "industry"}
    assert any("NEAR/" in t.get("query", "") for t in topics)


def test_csv_matches_first_jsonl_records(gen: ModuleType, shipped: list[dict[str, Any]]) -> None:
    with (DATA / "sample_mentions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == gen.CSV_COLUMNS
    assert len(rows) == gen.CSV_ROWS
    for row, record in zip(rows, shipped, strict=False):
        assert row["created_at"].endswith("Z")
        flat: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        flat["source_tags"] = row["source_tags"].split(";") if row["source_tags"] else []
        from_csv = RawMention.model_validate(flat)
        assert from_csv == RawMention.model_validate(record)


def test_every_invalid_record_is_rejected(gen: ModuleType) -> None:
    lines = (DATA / "sample_invalid.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == list(gen.INVALID_LINES) and len(lines) >= 10
    non_json = 0
    for line in lines:
        try:
            payload = json.loads(line)
        except json.JSONDecodeError:
            non_json += 1
            continue
        with pytest.raises(ValidationError):
            RawMention.model_validate(payload)
    assert non_json == 1


def test_generated_files_are_small() -> None:
    total = sum((DATA / n).stat().st_size for n in ("sample_mentions.jsonl", "sample_mentions.csv",
                                                     "sample_invalid.jsonl"))
    assert total < 3_000_000  # five hours of posts: keep the repository light


def test_watchlist_matches_every_sample_post_except_false_friends(gen: ModuleType, shipped: list[dict[str, Any]]) -> None:
    watchlist = pytest.importorskip("enrich.matching.watchlist")
    matcher_mod = pytest.importorskip("enrich.matching.matcher")
    path = ROOT / "config" / "watchlist.yaml"
    matcher = matcher_mod.WatchlistMatcher(watchlist.parse_watchlist(path.read_text(encoding="utf-8"), str(path)))
    unmatched = {r["text"] for r in shipped if not matcher.match_ids(r["text"], {"lang": r.get("lang")})}
    assert unmatched == {r["text"] for r in shipped if r["text"] in gen.FALSE_FRIENDS}
    assert len(unmatched) == len(gen.FALSE_FRIENDS)

"""The mypyc-compiled hot modules and their pure-Python sources give the same enrichment.

``setup.py`` compiles ``enrich._compiled.HOT_MODULES``; ``EARSHOT_PURE_PYTHON=1`` (or a stale build)
makes ``enrich`` load them from source. The differential test enriches the same mentions in this
process (compiled when built) and in a subprocess forced to pure Python, and compares every field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import enrich
from enrich._compiled import HOT_MODULES

ROOT = Path(__file__).resolve().parents[2]

# Runs in both processes: enrich sample mentions (their own tags removed, so language detection runs)
# against the sample watchlist plus synthetic topics, and print the results without timings.
_SCRIPT = """
import json, sys
from datetime import UTC, datetime
from bench.bench_enrich import build_enricher, distinct_posts, load_posts, load_watchlist
import enrich
posts = [p.model_copy(update={"lang": None}) for p in distinct_posts(load_posts(), 400)]
enricher = build_enricher(watchlist=load_watchlist(200))
now = datetime(2026, 11, 2, 9, tzinfo=UTC)
one = [enricher.enrich(p, now) for p in posts]
many = enricher.enrich_many(posts, now)
rows = [m.model_dump(mode="json", exclude={"times"}) for m in one + many]
json.dump({"compiled": enrich.compiled(), "rows": rows}, sys.stdout)
"""

# Runs in both processes: the components on inputs the sample rarely or never has (personal data,
# hashed author ids, source tags, trust_hint, odd scripts, Korean negation and contrast, non-default
# priority rules), and print their results.
_PARTS_SCRIPT = """
import itertools, json, sys
from bench.bench_enrich import distinct_posts, load_posts
import enrich
from enrich.korean import KoreanSentimentAnalyzer
from enrich.language import LanguageConfig, LanguageDetector
from enrich.multilingual import SentimentRouter
from enrich.priority import Prioritizer, PriorityConfig
from enrich.privacy import PrivacyConfig, Redactor
from schemas import Engagement, Sentiment

posts = distinct_posts(load_posts(), 300)
pii = ["mail john.doe+x@example.co.uk or call 010-1234-5678", "card 4111 1111 1111 1111 ok",
       "amex 3782 822463 10005", "4111-1111-1111-1112", "주민번호 900101-1234567", "전화 01012345678 주세요",
       "+1 (555) 123-4567 and +44 20 7946 0958", "https://x.com/a/status/1234567890123 010-9999-8888",
       "version 1.2.3, price $1,299.99, 129.999.000, 2024-01-15, 192.168.100.200", "www.a.com/01012345678 a@b.io",
       "in 2023 2024 2025 2026 2027", "1-800-555-0199 [email] #tag @handle"]
texts = pii + [p.text + " " + pii[i % len(pii)] for i, p in enumerate(posts)]
redactors = [Redactor(), Redactor(PrivacyConfig(redact_kinds=frozenset({"phone", "rrn"}))),
             Redactor(PrivacyConfig(redact_text=False)),
             Redactor(PrivacyConfig(hash_author_ids=True, hash_key=b"k" * 20, hash_hex_chars=17))]
out = {"redact": [[r.redact(t) for t in texts] for r in redactors],
       "author": [[r.author_id(a) for a in [None, "", "42", "ユーザー", *(p.author.id for p in posts)]]
                  for r in redactors]}

odd = ["", "#only #hashtags", "@a @b https://x.com", "ㅋㅋ", "AMAZING PRODUCT LOVE IT", "Καλημέρα σας φίλοι",
       "สวัสดีครับ ขอบคุณ", "こんにちは、元気ですか", "今日は良い天気", "좋아요 but the English part is longer",
       "გამარჯობა", "Բարեւ", "12345 678", "¿Dónde está la tienda?", "² ³ Ⅻ 一 ab"]
hints = [None, "en", "ko-KR", "und", "zh_Hant", "xx-yy", "de"]
detectors = [LanguageDetector(), LanguageDetector(LanguageConfig(trust_hint=True, script_share=0.5, min_letters=3))]
out["language"] = [[d.detect(t, h).model_dump() for t in odd + [p.text for p in posts] for h in hints[:3]]
                   + [d.detect(t, h).model_dump() for t in odd for h in hints] for d in detectors]

korean = ["마음에 안 들어요", "좋지 않아요", "안좋아요", "배송은 빠르지만 품질이 별로예요", "문제 없어요",
          "최고는 아니에요", "추천 안 해요", "존나 좋아 ㅋㅋㅋ", "너무 좋아요!!!", "충전이 안 돼요 ㅠㅠ",
          "좋긴 한데 너무 비싸요", "별로 안 좋아요", "진짜 최악 -_-", "굿 GOOD 짱 ^^", "좋은 줄 알았는데 아니네요"]
analyzer, router = KoreanSentimentAnalyzer(), SentimentRouter()
out["korean"] = [analyzer.polarity_scores(t) for t in korean * 2]
out["route"] = [router.score(t, lang) for t in korean[:4] for lang in ("ko", "KO", "en", "fr", "")]
out["route"] = [s if s is None else s.model_dump() for s in out["route"]]

config = PriorityConfig(intent_points={"crisis": 40, "complaint": 20, "question": 0, "praise": 3},
                        follower_tiers=[(100, 0), (10, 7)], engagement_tiers=[(10, 9), (1, 0)],
                        intent_floor={"complaint": "P3", "crisis": "P1"}, strong_negative_points=0)
intents = [[], ["question"], ["praise", "complaint"], ["complaint", "crisis", "complaint"], ["unknown"]]
sentiments = [None, *(Sentiment(compound=c, pos=0.0, neu=0.5, neg=0.5, label=label, analyzer="vader")
                      for c, label in ((-0.9, "negative"), (-0.3, "negative"), (0.7, "positive")))]
engagements = [Engagement(), Engagement(likes=3, replies=60), Engagement(reposts=2000, views=10**6)]
out["priority"] = [p.decide(i, s, f, e).model_dump() for p in (Prioritizer(), Prioritizer(config))
                   for i, s, f, e in itertools.product(intents, sentiments, [None, 0, 50, 5_000_000], engagements)]
json.dump({"compiled": enrich.compiled(), "parts": out}, sys.stdout)
"""


def _run(pure: bool, script: str = _SCRIPT) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("EARSHOT_PURE_PYTHON", None)
    if pure:
        env["EARSHOT_PURE_PYTHON"] = "1"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _check_default_state(default: dict[str, object]) -> None:
    """The subprocess without EARSHOT_PURE_PYTHON runs what is installed, as this process does.

    Under ``EARSHOT_PURE_PYTHON=1`` this process runs from source whatever is built, so there is
    nothing to compare with (the subprocess still runs the build, if there is one).
    """
    if "EARSHOT_PURE_PYTHON" not in (enrich.fallback_reason() or ""):
        assert default["compiled"] is enrich.compiled()


def test_compiled_state_is_reported() -> None:
    modules = enrich.compiled_modules()
    assert list(modules) == list(HOT_MODULES)
    assert enrich.compiled() == all(modules.values())
    if enrich.fallback_reason() is not None:
        assert not enrich.compiled()


def test_pure_python_switch() -> None:
    env = {**os.environ, "EARSHOT_PURE_PYTHON": "1"}
    code = "import enrich; print(enrich.compiled(), any(enrich.compiled_modules().values()), enrich.fallback_reason())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split(" ", 2)
    assert out[:2] == ["False", "False"]
    assert "EARSHOT_PURE_PYTHON" in out[2]


def test_compiled_and_pure_python_enrich_identically() -> None:
    default, pure = _run(pure=False), _run(pure=True)
    assert pure["compiled"] is False
    _check_default_state(default)
    assert default["rows"] == pure["rows"]
    rows = pure["rows"]
    assert isinstance(rows, list) and len(rows) == 800
    assert sum(1 for row in rows if row["topics"]) > 100  # the comparison covers real matches


def test_compiled_and_pure_python_components_agree_on_unusual_inputs() -> None:
    default, pure = _run(pure=False, script=_PARTS_SCRIPT), _run(pure=True, script=_PARTS_SCRIPT)
    assert pure["compiled"] is False
    _check_default_state(default)
    assert default["parts"] == pure["parts"]
    parts = pure["parts"]
    assert isinstance(parts, dict)
    assert any("[card]" in text for text in parts["redact"][0])  # the comparison covers real redactions
    assert {guess["method"] for guess in parts["language"][1]} == {"script", "hint", "fasttext", "none"}

"""Intent tags from the bundled YAML rules: positive and negative examples per intent, EN and KO."""

import pytest

from enrich.intent import CRISIS_KINDS, INTENTS, IntentRuleError, IntentTagger


@pytest.fixture(scope="module")
def tagger() -> IntentTagger:
    return IntentTagger.default()


# (text, lang, tag that must be present)
POSITIVE = [
    ("How do I reset my password", "en", "question"),
    ("Is the store open on Sunday?", "en", "question"),
    ("매장 몇 시에 열어요?", "ko", "question"),
    ("배송 조회는 어떻게 하나요", "ko", "question"),
    ("The app keeps crashing, this is unacceptable", "en", "complaint"),
    ("Charged twice and still waiting for my refund", "en", "complaint"),
    ("제품이 고장났어요 환불해주세요", "ko", "complaint"),
    ("로그인이 안돼요 짜증나네", "ko", "complaint"),
    ("Thinking about buying the S24, how much is it", "en", "purchase_intent"),
    ("Where can I buy the limited edition?", "en", "purchase_intent"),
    ("갤럭시 사고 싶은데 얼마예요?", "ko", "purchase_intent"),
    ("견적 문의드립니다", "ko", "purchase_intent"),
    ("Please add dark mode to the app", "en", "feature_request"),
    ("It would be great if you supported Apple Pay", "en", "feature_request"),
    ("다크모드 추가해주세요", "ko", "feature_request"),
    ("위젯 기능이 있었으면 좋겠어요", "ko", "feature_request"),
    ("Is the site down? Servers down for everyone", "en", "crisis:outage"),
    ("서버 먹통이에요 접속이 안 돼요", "ko", "crisis:outage"),
    ("They announced a recall of the heaters", "en", "crisis:recall"),
    ("전 제품 리콜 한대요", "ko", "crisis:recall"),
    ("My charger caught fire last night", "en", "crisis:safety"),
    ("배터리가 부풀어서 불이 났어요", "ko", "crisis:safety"),
    ("We are filing a class action lawsuit", "en", "crisis:legal"),
    ("소비자원에 신고하겠습니다 법적 대응 할 겁니다", "ko", "crisis:legal"),
    ("My account was hacked after the data breach", "en", "crisis:security"),
    ("개인정보 유출 사고 터졌네", "ko", "crisis:security"),
    ("Boycott this brand #BoycottAcme", "en", "crisis:boycott"),
    ("이 회사 제품 불매합니다", "ko", "crisis:boycott"),
    ("Love it! Great job team, thank you", "en", "praise"),
    ("Just got my new headphones, unboxing video soon", "en", "praise"),
    ("직원분들 너무 친절하세요 감사합니다", "ko", "praise"),
    ("내돈내산 후기 완전 만족", "ko", "praise"),
]

# (text, lang, tag that must be absent)
NEGATIVE = [
    ("I bought it yesterday.", "en", "question"),
    ("어제 샀어요.", "ko", "question"),
    ("See https://example.com/page?id=42 for details", "en", "question"),
    ("Works perfectly, no problems at all", "en", "complaint"),
    ("The package arrived on time", "en", "complaint"),
    ("문제없이 잘 됩니다", "ko", "complaint"),
    ("I bought this last year and use it daily", "en", "purchase_intent"),
    ("I will never buy from them", "en", "purchase_intent"),
    ("이 가격이면 절대 안 사요", "ko", "purchase_intent"),
    ("I added a case to my phone", "en", "feature_request"),
    ("어제 친구를 추가했어요", "ko", "feature_request"),
    ("The price is down to $5 today", "en", "crisis"),
    ("Shares are down after earnings", "en", "crisis"),
    ("This album is fire", "en", "crisis"),
    ("Downloading the update now", "en", "crisis"),
    ("장애인 주차구역이 넓어요", "ko", "crisis"),
    ("앱 다운로드 했어요", "ko", "crisis"),
    ("고소한 맛이 좋아요", "ko", "crisis"),
    ("Firefox is my browser", "en", "crisis"),
    ("Not impressed with the new design", "en", "praise"),
    ("Thanks for nothing", "en", "praise"),
    ("서비스 안 좋아요", "ko", "praise"),
    ("The battery lasts about a day", "en", "praise"),
]


@pytest.mark.parametrize(("text", "lang", "tag"), POSITIVE)
def test_tag_present(tagger: IntentTagger, text: str, lang: str, tag: str) -> None:
    assert tag in tagger.tag(text, lang)


@pytest.mark.parametrize(("text", "lang", "tag"), NEGATIVE)
def test_tag_absent(tagger: IntentTagger, text: str, lang: str, tag: str) -> None:
    assert tag not in tagger.tag(text, lang)


def test_every_intent_and_crisis_kind_has_positive_examples() -> None:
    covered = {tag for _, _, tag in POSITIVE}
    for intent in INTENTS:
        if intent != "crisis":
            assert intent in covered
    for kind in CRISIS_KINDS:
        assert f"crisis:{kind}" in covered
    for lang in ("en", "ko"):
        assert {tag.split(":")[0] for _, lg, tag in POSITIVE if lg == lang} == set(INTENTS)


def test_several_tags_in_stable_order(tagger: IntentTagger) -> None:
    tags = tagger.tag("Your app is down again and I want a refund. When will it be fixed?", "en")
    assert tags == ["crisis", "crisis:outage", "complaint", "question"]


def test_crisis_subtag_implies_crisis(tagger: IntentTagger) -> None:
    tags = tagger.tag("전 제품 리콜", "ko")
    assert "crisis" in tags and "crisis:recall" in tags


def test_whole_words_only_for_english(tagger: IntentTagger) -> None:
    assert "praise" not in tagger.tag("Thanksgiving dinner with family", "en")
    assert "complaint" not in tagger.tag("Brokenshire street", "en")
    assert "complaint" in tagger.tag("I got scammed", "en")  # scam* is a prefix rule
    assert "complaint" in tagger.tag("I am so frustrated", "en")


def test_typographic_apostrophe(tagger: IntentTagger) -> None:
    assert "complaint" in tagger.tag("It doesn\u2019t work", "en")


def test_korean_particles_attach(tagger: IntentTagger) -> None:
    assert "complaint" in tagger.tag("즉시환불요청합니다", "ko")


def test_unknown_language_uses_all_rule_files(tagger: IntentTagger) -> None:
    assert "complaint" in tagger.tag("refund please", "und")
    assert "complaint" in tagger.tag("환불 해주세요", "und")
    # A covered language uses only its own rules (plus language-independent ones).
    assert "complaint" not in tagger.tag("환불 해주세요", "en")


def test_full_width_question_mark(tagger: IntentTagger) -> None:
    assert tagger.tag("これはいくらですか？", "ja") == ["question"]


def test_custom_rules_from_yaml() -> None:
    tagger = IntentTagger.from_yaml(
        """
lang: en
rules:
  - tag: churn_risk
    phrases: [switching to, cancel*]
    unless: [cancel culture]
---
lang: "*"
rules:
  - tag: question
    patterns: ['\\?']
"""
    )
    assert tagger.tag("Switching to another bank, cancelled everything", "en") == ["churn_risk"]
    assert tagger.tag("cancel culture is everywhere", "en") == []
    assert tagger.tag("why?", "en") == ["question"]
    assert tagger.languages == {"en"}


@pytest.mark.parametrize(
    "bad",
    [
        "rules: []",
        "lang: en\nrules: []",
        "lang: en\nrules:\n  - tag: Complaint\n    phrases: [x]",
        "lang: en\nrules:\n  - tag: complaint",
        "lang: en\nrules:\n  - tag: complaint\n    patterns: ['(']",
        "lang: en\nrules:\n  - tag: complaint\n    phrases: [x]\n    weight: 3",
        "lang: en\nrules:\n  - tag: complaint\n    phrases: ['*']",
        "lang: [",
        "",
    ],
)
def test_malformed_rules_are_rejected(bad: str) -> None:
    with pytest.raises(IntentRuleError):
        IntentTagger.from_yaml(bad)

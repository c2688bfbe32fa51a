"""Labelled tricky cases: each row is a query, a post, optional fields, and whether it must match."""

from __future__ import annotations

from typing import Any

import pytest

from enrich.matching import compile_query

CASES: list[tuple[str, str, dict[str, Any] | None, bool]] = [
    # False friends and exclusions
    ("apple NOT pie", "Grandma's apple pie recipe", None, False),
    ("apple NOT pie", "The new Apple Watch is out", None, True),
    ("apple NOT pie", "pineapple on pizza", None, False),
    ("apple NOT (pie OR crumble OR juice)", "apple crumble for dessert", None, False),
    ("apple NOT pie NOT crumble", "apple crumble", None, False),
    ('("model y" OR tesla) AND NOT recall', "Test drove a Model Y today", None, True),
    ('("model y" OR tesla) AND NOT recall', "Tesla recall: 2M cars", None, False),
    ('("model y" OR tesla) AND NOT recall', "model yes please", None, False),
    ("(tesla OR spacex) AND (launch OR rocket)", "SpaceX launch tonight", None, True),
    ("(tesla OR spacex) AND (launch OR rocket)", "SpaceX is hiring", None, False),
    # Lower-case operators are plain words
    ("apple and pie", "apple and pie", None, True),
    ('"salt and pepper"', "Salt and Pepper chips", None, True),
    # Case and case-sensitive terms
    ("apple", "APPLE event", None, True),
    ("{BT}", "BT broadband down again", None, True),
    ("{BT}", "bt dubs I'm late", None, False),
    ("{Apple}", "apple pie", None, False),
    ("{Apple}", "#Apple keynote", None, True),
    # Accents: an unaccented keyword matches both, an accented one only as written
    ("nestle", "Nestlé profits", None, True),
    ("nestlé", "Nestle profits", None, False),
    ("nestlé", "NESTLÉ profits", None, True),
    ("nestlé", "Nestle\u0301 (combining accent)", None, True),
    ("creme brulee", "crème brûlée tonight", None, True),
    ("strasse", "Hauptstraße 5", None, False),
    ("hauptstrasse", "Hauptstraße 5", None, True),
    # Full-width and compatibility forms
    ("tesla", "ＴＥＳＬＡのニュース", None, True),
    ("iphone 15", "ｉＰｈｏｎｅ　１５ 買った", None, True),
    # Punctuation inside names
    ("Chick-fil-A", "CHICK-FIL-A.", None, True),
    ("Chick-fil-A", "Going to chick-fil-a tonight!", None, True),
    ('"Disney+"', "Disney+のサポートに電話", None, True),
    ("Disney+", "Disney+ price hike", None, True),
    ("AT&T", "at&t outage again", None, True),
    ("AT&T", "at t outage", None, False),
    ("McDonald's", "McDonald’s fries", None, True),
    # Hashtags and handles
    ("#cocacola", "Summer vibes #CocaCola ☀️", None, True),
    ("#cocacola", "Summer vibes #CocaColaZero", None, False),
    ("#cocacola", "cocacola is everywhere", None, False),
    ("cocacola", "Summer vibes #CocaCola", None, True),
    ("@acme", "thanks @ACME for the help", None, True),
    ("@acme", "thanks @acme_support", None, False),
    ("@acme", "mail info@acme.com", None, False),
    # Emoji and URLs next to words
    ("tesla", "tesla🚗🚗", None, True),
    ("tesla", "🔥tesla🔥", None, True),
    ("tesla", "read this:https://t.co/abc tesla", None, True),
    ("tesla", "teslas everywhere", None, False),
    ("acme.com", "see https://www.acme.com/deals", None, True),
    # Korean particles, compounds are not the noun
    ("스타벅스", "스타벅스로 가자", None, True),
    ("갤럭시", "갤럭시는 배터리가 좋다", None, True),
    ("삼성", "삼성이 신제품 발표", None, True),
    ("삼성", "삼성에서는 아무 말이 없다", None, True),
    ("삼성", "삼성전자 주가", None, False),
    ("삼성", "뉴삼성 비전", None, False),
    # Japanese and Chinese without spaces
    ("スターバックス", "今日はスターバックスで新作を飲んだ", None, True),
    ("星巴克", "我在星巴克喝咖啡", None, True),
    ("apple", "appleのイベント", None, True),
    # Wildcards
    ("starbuck*", "Starbucks is packed", None, True),
    ("starbuck*", "starbuck", None, True),
    ("colo?r", "favourite colour", None, True),
    ("colo?r", "colorful", None, False),
    ("wom?n", "women in tech", None, True),
    ("#apple*", "#AppleEvent tonight", None, True),
    ('"apple pi*"', "apple pies are great", None, True),
    # Proximity
    ('"apple juice"~3', "juice made from organic apple", None, True),
    ('"apple juice"~2', "apple is a fruit, juice is a drink", None, False),
    ('"apple juice"~4', "apple is a fruit, juice is a drink", None, True),
    ("((apple OR pear) (juice OR cider))~1", "pear and cider", None, True),
    ("(brand OR company)~3", "the brand of the company", None, True),
    ("(brand OR company)~3", "the brand is not a big company", None, False),
    ("(brand OR company)~3", "brand brand", None, False),
    # NEAR and NEAR/f
    ("tesla NEAR/2 recall", "recall affecting some tesla cars", None, True),
    ("tesla NEAR/2f recall", "recall affecting some tesla cars", None, False),
    ("tesla NEAR/2f recall", "tesla issues a recall", None, True),
    ("(tesla OR musk) NEAR/0 tweet", "musk tweet again", None, True),
    ("tesla NEAR/1 tesla", "tesla tesla", None, True),
    ("tesla NEAR/1 tesla", "one tesla only", None, False),
    # Fields
    ("tesla AND lang:en", "tesla", {"lang": "en"}, True),
    ("tesla AND lang:en", "tesla", {"lang": "de"}, False),
    ("tesla AND language:en", "tesla", {"lang": "en-GB"}, True),
    ("tesla AND lang:en", "tesla", None, False),
    ("tesla AND platform:twitter", "tesla", {"platform": "x"}, True),
    ("tesla AND country:usa", "tesla", {"country": "US"}, True),
    ("tesla AND country:gb", "tesla", {"country": "United Kingdom"}, True),
    ("tesla AND continent:europe", "tesla", {"country": "DE"}, True),
    ("tesla AND continent:north_america", "tesla", {"country": "DE"}, False),
    ("tesla AND site:reddit.com", "tesla", {"url": "https://old.reddit.com/r/x"}, True),
    ("tesla AND site:reddit.com", "tesla", {"url": "https://notreddit.com/r/x"}, False),
    ("tesla AND url:reddit.com/r/teslamotors", "tesla", {"url": "https://www.reddit.com/r/TeslaMotors/1"}, True),
    ("links:tesla.com", "look", {"links": ["https://shop.tesla.com/x"]}, True),
    ("links:tesla.com", "look", {"links": ["https://tesla.com.evil.io/x"]}, False),
    ("tesla AND author:elonmusk", "tesla", {"author": "@ElonMusk"}, True),
    ("tesla AND authorVerified:true", "tesla", {"authorVerified": True}, True),
    ("tesla AND authorVerified:true", "tesla", {"authorVerified": False}, False),
    ("tesla AND authorFollowers:[1000 TO 50000]", "tesla", {"authorFollowers": 1000}, True),
    ("tesla AND authorFollowers:[1000 TO 50000]", "tesla", {"authorFollowers": 50001}, False),
    ("tesla AND authorFollowers:[1000 TO *]", "tesla", {"authorFollowers": 10**7}, True),
    ("rating:[3 TO 5] AND review", "great review", {"rating": 4}, True),
    ("rating:[3 TO 5] AND review", "great review", {"rating": 2}, False),
    ("tesla AND engagementType:RETWEET", "tesla", {"engagementType": "repost"}, True),
    ("lang:(en OR fr) AND tesla", "tesla", {"lang": "fr"}, True),
    ("lang:en NOT tesla", "nothing here", {"lang": "en"}, True),
    # Comments are ignored
    ("tesla <<<the brand>>> OR spacex", "spacex", None, True),
]


@pytest.mark.parametrize(("query", "text", "fields", "expected"), CASES)
def test_labelled_case(query: str, text: str, fields: dict[str, Any] | None, expected: bool) -> None:
    assert compile_query(query).matches(text, fields) is expected


def test_explanation_gives_terms_and_original_offsets() -> None:
    text = "ＴＥＳＬＡ and the model   Y: no recall"
    q = compile_query('("model y" OR tesla) AND NOT pie')
    explanation = q.explain(text)
    assert explanation is not None
    terms, spans = explanation
    assert terms == ['"model y"', "tesla"]
    assert [text[s:e] for s, e in spans] == ["ＴＥＳＬＡ", "model   Y"]


def test_explanation_includes_combining_accent_and_korean_noun_only() -> None:
    text = "Cafe\u0301 스타벅스로"
    terms, spans = compile_query("café OR 스타벅스").explain(text) or ([], [])
    assert [text[s:e] for s, e in spans] == ["Cafe\u0301", "스타벅스"]
    assert terms == ["café", "스타벅스"]


def test_explanation_skips_negated_terms_and_lists_fields() -> None:
    terms, spans = compile_query("tesla AND lang:en NOT pie").explain("tesla", {"lang": "en"}) or ([], [])
    assert terms == ["tesla", "lang:en"]
    assert spans == [(0, 5)]


def test_long_posts_with_many_occurrences() -> None:
    # Thousands of occurrences on both sides: found exactly, without trying every combination.
    text = "apple pie " * 5000 + "apple juice"
    assert compile_query("apple NEAR/0f juice").matches(text)
    assert compile_query('"juice apple"~0').matches(text)
    assert not compile_query("pie NEAR/0 juice").matches(text)
    assert compile_query("pie NEAR/1 juice").matches(text)
    assert not compile_query("(pie OR juice)~0").matches(text)
    assert compile_query("(pie OR juice)~1").matches(text)

"""Fields dict from a RawMention, and normalisation of hand-written fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrich.matching import compile_query, mention_fields, normalize_fields, parse_query
from enrich.matching.fields import FieldView, field_predicate
from enrich.matching.syntax import Field, Range
from schemas import RawMention


def mention(**kw: object) -> RawMention:
    base: dict[str, object] = {"platform": "X", "source_id": "1", "text": "hello", "created_at": datetime.now(UTC)}
    base.update(kw)
    return RawMention.model_validate(base)


def test_mention_fields_from_a_full_mention() -> None:
    m = mention(text="new Tesla video https://youtu.be/abc, and www.tesla.com.", url="https://www.reddit.com/r/x/1",
                lang="en", country="DEU", author_handle="@Fan", author_followers=1200, author_verified=True,
                reply_to_id="99", extras={"rating": "4"})
    f = mention_fields(m)
    assert f["platform"] == "x"
    assert f["lang"] == "en"
    assert f["continent"] == "europe"
    assert f["site"] == "reddit.com"
    assert f["links"] == ["https://youtu.be/abc", "www.tesla.com"]
    assert f["author"] == "Fan"
    assert f["authorFollowers"] == 1200
    assert f["authorVerified"] is True
    assert f["engagementType"] == "reply"
    assert f["rating"] == 4.0
    assert mention_fields(m, lang="de")["lang"] == "de"


def test_engagement_type_prefers_repost_then_quote() -> None:
    assert mention_fields(mention(repost_of_id="1", reply_to_id="2"))["engagementType"] == "repost"
    assert mention_fields(mention(quote_of_id="1"))["engagementType"] == "quote"
    assert "engagementType" not in mention_fields(mention())


def test_mention_fields_drive_field_operators() -> None:
    m = mention(text="Tesla!", url="https://old.reddit.com/r/teslamotors/1", country="US", author_followers=10,
                repost_of_id="5")
    f = mention_fields(m)
    assert compile_query("tesla AND site:reddit.com AND continent:north_america").matches(m.text, f)
    assert compile_query("tesla AND engagementType:retweet AND platform:twitter").matches(m.text, f)
    assert not compile_query("tesla AND authorFollowers:[100 TO *]").matches(m.text, f)
    assert compile_query('links:reddit.com OR url:"reddit.com/r/teslamotors"').matches(m.text, f)


def test_normalize_fields_is_lenient_and_drops_unknown_keys() -> None:
    f = normalize_fields({"language": "pt_BR", "country": "nowhere land", "authorFollowers": "12",
                          "authorVerified": "yes", "links": "https://a.b/c", "junk": 1})
    assert f == {"lang": "pt", "country": "nowhere land", "links": ["a.b/c"], "authorVerified": True,
                 "authorFollowers": 12.0}
    assert normalize_fields(None) == {}


FIELD_QUERIES = ["lang:en", "language:(fr OR en)", "country:usa", "country:(de OR fr)", "continent:europe",
                 "continent:north_america", "site:reddit.com", "links:tesla.com", "author:fan", "platform:twitter",
                 "engagementType:retweet", "authorVerified:true", "authorFollowers:[10 TO 100]", "url:reddit.com/r"]
FIELD_DICTS = [
    {}, {"lang": "en-US"}, {"language": "fr"}, {"country": "US"}, {"country": "Germany"}, {"continent": "Europe"},
    {"url": "https://www.reddit.com/r/x"}, {"site": "old.reddit.com"}, {"links": ["http://shop.tesla.com/a"]},
    {"links": "https://tesla.com"}, {"author": "@FAN"}, {"platform": "X"}, {"engagementType": "repost"},
    {"authorVerified": "true"}, {"authorFollowers": 50}, {"authorFollowers": "500"},
]


@pytest.mark.parametrize("query", FIELD_QUERIES)
def test_field_prefilter_agrees_with_field_predicates(query: str) -> None:
    """Field-only queries are prefiltered on raw fields; that must never drop a post the predicate accepts."""
    node = parse_query(query)
    assert isinstance(node, Field | Range)
    predicate = field_predicate(node)
    compiled = compile_query(query)
    results = [compiled.matches("text", f) for f in FIELD_DICTS]
    assert results == [predicate(FieldView(f)) for f in FIELD_DICTS]
    assert any(results)


def test_field_names_are_every_field_a_query_reads() -> None:
    from enrich.matching import WatchlistMatcher, parse_watchlist

    watchlist = parse_watchlist("""
topics:
  - id: a
    name: A
    group: brand
    query: 'acme AND NOT (site:example.com OR links:bad.example) AND authorFollowers:[10 TO *]'
  - id: b
    name: B
    group: brand
    query: '(beta NEAR/2 gamma) AND (continent:europe OR rating:[4 TO 5])'
  - id: c
    name: C
    group: brand
    terms: [gamma]
""", "test")
    assert WatchlistMatcher(watchlist).field_names == {"site", "links", "authorFollowers", "continent", "rating"}


def test_fields_left_out_change_no_match() -> None:
    """Matching with only the fields the watchlist reads gives what matching with all of them gives."""
    import json
    from pathlib import Path

    from enrich.matching import WatchlistMatcher, fields_for, parse_watchlist

    root = Path(__file__).resolve().parents[2]
    watchlist = parse_watchlist("""
topics:
  - id: site
    name: S
    group: brand
    query: 'site:x.com AND (acme OR coffee)'
  - id: links
    name: L
    group: brand
    query: 'links:acmecoffee.com OR links:nimbus.tech'
  - id: continent
    name: C
    group: brand
    query: 'continent:asia AND (coffee OR 커피)'
  - id: plain
    name: P
    group: brand
    terms: [acme, coffee, 커피]
""", "test")
    everything = WatchlistMatcher(watchlist)
    only_lang = WatchlistMatcher(parse_watchlist("topics:\n  - {id: k, name: K, group: brand, query: 'lang:ko AND 커피'}\n", "t"))
    lines = (root / "data" / "sample_mentions.jsonl").read_text().splitlines()[:800]
    mentions = [RawMention.model_validate(json.loads(line)) for line in lines]
    matched: set[str] = set()
    for matcher in (everything, only_lang):
        some = fields_for(matcher.field_names)
        for m in mentions:
            found = matcher.match(m.text, some(m, None))
            assert found == matcher.match(m.text, mention_fields(m)), m.text
            matched.update(t.topic_id for t in found)
    assert matched == {"site", "links", "continent", "plain", "k"}  # every kind of field was exercised
    assert "links" not in fields_for(only_lang.field_names)(mentions[0], None)
    assert "links" in fields_for(everything.field_names)(mentions[0], None)

"""Watchlist YAML: validation errors that name file, topic and key; matcher output; share of voice."""

from __future__ import annotations

import pytest

from enrich.matching import WatchlistError, WatchlistMatcher, parse_watchlist
from schemas import TopicMatch

SAMPLE = """
topics:
  - id: acme
    name: Acme Coffee
    group: brand
    terms: ["Acme Coffee", "AcmeCoffee", "Acme Roasters"]
    hashtags: ["#acmecoffee"]
    handles: ["acmecoffee"]          # the @ is added
    domains: ["https://www.acmecoffee.com/"]
    exclude: ["acme anvil", "wile e coyote"]
    competitors: [brewco, beanhub]
  - id: brewco
    name: BrewCo
    group: competitor
    query: '("brew co" OR brewco OR #brewco) NOT "home brew"'
  - id: beanhub
    name: BeanHub
    group: competitor
    terms: ["BeanHub", "{BH}"]
  - id: coffee
    name: Coffee industry
    group: industry
    query: 'coffee AND (price* OR tariff*) <<<industry news>>>'
    enabled: false
"""


def test_parse_and_share_of_voice() -> None:
    wl = parse_watchlist(SAMPLE, source="watchlist.yaml")
    assert [t.id for t in wl.topics] == ["acme", "brewco", "beanhub", "coffee"]
    assert wl.competitors_of("acme") == ["brewco", "beanhub"]
    assert wl.competitors_of("brewco") == []
    acme = wl.topic("acme")
    assert acme.handles == ["@acmecoffee"]
    assert acme.domains == ["acmecoffee.com"]
    with pytest.raises(KeyError):
        wl.competitors_of("nope")


def test_matcher_returns_topic_matches_with_reasons() -> None:
    m = WatchlistMatcher(parse_watchlist(SAMPLE))
    text = "Switched from BrewCo to ACME COFFEE ☕ #AcmeCoffee — BH is pricier"
    matches = m.match(text)
    assert all(isinstance(x, TopicMatch) for x in matches)
    assert [(x.topic_id, x.group) for x in matches] == [("acme", "brand"), ("brewco", "competitor"),
                                                        ("beanhub", "competitor")]
    acme = matches[0]
    # Keywords also match inside hashtags, so "AcmeCoffee" explains "#AcmeCoffee" too.
    assert acme.terms == ["Acme Coffee", "AcmeCoffee", "#acmecoffee"]
    assert [text[s:e] for s, e in acme.spans] == ["ACME COFFEE", "#AcmeCoffee", "AcmeCoffee"]
    assert [text[s:e] for s, e in matches[2].spans] == ["BH"]
    assert m.match_ids(text) == ["acme", "brewco", "beanhub"]


def test_exclusions_domains_and_disabled_topics() -> None:
    m = WatchlistMatcher(parse_watchlist(SAMPLE))
    assert m.match_ids("Acme Coffee sells the Acme Anvil now") == []
    assert m.match_ids("I love my home brew from BrewCo") == []
    assert m.match_ids("bh is lowercase") == []
    assert m.match_ids("coffee prices up again") == []  # the industry topic is disabled
    assert m.match_ids("deal at acmecoffee.com/sale") == ["acme"]
    assert m.match_ids("this", {"links": ["https://shop.acmecoffee.com/x"]}) == ["acme"]
    assert m.stats["topics"] == 3


@pytest.mark.parametrize(
    ("yaml_text", "topic", "key", "fragment"),
    [
        ("topics:\n  - id: Bad Id\n    name: x\n    group: brand\n    terms: [x]\n", "Bad Id", "id", "pattern"),
        ("topics:\n  - id: a\n    name: x\n    group: fan\n    terms: [x]\n", "a", "group", "brand"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n", "a", None, "needs 'query'"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n    terms: [x]\n    query: y\n", "a", None, "not both"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n    query: 'a AND b OR c'\n", "a", "query",
         "AND and OR mixed"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n    terms: ['*x']\n", "a", "terms", "start of a word"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n    domains: ['not a domain']\n", "a", "domains",
         "not a domain"),
        ("topics:\n  - id: a\n    name: x\n    group: brand\n    terms: [x]\n    colour: red\n", "a", "colour",
         "Extra inputs"),
        ("topics:\n  - name: x\n    group: brand\n    terms: [x]\n", "#1", "id", "Field required"),
    ],
)
def test_errors_name_source_topic_and_key(yaml_text: str, topic: str, key: str | None, fragment: str) -> None:
    with pytest.raises(WatchlistError) as err:
        parse_watchlist(yaml_text, source="conf/watch.yaml")
    assert err.value.source == "conf/watch.yaml"
    assert err.value.topic == topic
    assert err.value.key == key
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"conf/watch.yaml: topic {topic!r}")


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("topics: [\n", "invalid YAML at line"),
        ("- just a list\n", "mapping with a 'topics' list"),
        ("topics:\n  - {id: a, name: x, group: brand, terms: [x]}\n  - {id: a, name: y, group: brand, terms: [y]}\n",
         "duplicate topic id 'a'"),
        ("topics:\n  - {id: a, name: x, group: brand, terms: [x], competitors: [zzz]}\n", "'zzz' is not a topic id"),
    ],
)
def test_file_level_errors(yaml_text: str, fragment: str) -> None:
    with pytest.raises(WatchlistError) as err:
        parse_watchlist(yaml_text, source="w.yaml")
    assert str(err.value).startswith("w.yaml: ")
    assert fragment in str(err.value)


def test_several_errors_are_all_reported() -> None:
    bad = "topics:\n  - {id: a, name: x, group: fan, terms: [x]}\n  - {id: b, name: '', group: brand, terms: [y]}\n"
    with pytest.raises(WatchlistError) as err:
        parse_watchlist(bad, source="w.yaml")
    assert "2 errors" in str(err.value)
    assert "topic 'a', key 'group'" in str(err.value)
    assert "topic 'b', key 'name'" in str(err.value)


def test_empty_file_is_an_empty_watchlist() -> None:
    assert WatchlistMatcher(parse_watchlist("")).match("anything") == []


def test_numeric_terms_from_yaml_are_text() -> None:
    wl = parse_watchlist("topics:\n  - {id: n, name: Numbers, group: brand, terms: [1800, 7up]}\n")
    assert wl.topic("n").terms == ["1800", "7up"]
    assert WatchlistMatcher(wl).match_ids("call 1800 now") == ["n"]

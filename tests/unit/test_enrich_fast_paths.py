"""The enrich hot path's shortcuts give the same results as the straightforward code they replace."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from enrich._trusted import trusted
from enrich.enricher import Enricher
from enrich.language import LanguageConfig, LanguageDetector, strip_social_markup
from enrich.matching.fields import FieldAnchorIndex, FieldView, field_anchors, url_host
from schemas import (
    EnrichedMention,
    LanguageGuess,
    Priority,
    ProcessingTimes,
    RawMention,
    Sentiment,
    TopicMatch,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


# -- trusted construction ---------------------------------------------------------------------------

def _raw(**kw: Any) -> RawMention:
    base: dict[str, Any] = {"platform": "x", "source_id": "1", "text": "I love Acme", "created_at": NOW,
                            "author": {"handle": "ann", "followers": 10}, "engagement": {"likes": 2}}
    base.update(kw)
    return RawMention.model_validate(base)


SMALL_MODELS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (LanguageGuess, {"lang": "en", "confidence": 0.91, "method": "fasttext"}),
    (Sentiment, {"compound": -0.5, "pos": 0.0, "neu": 0.6, "neg": 0.4, "label": "negative", "analyzer": "vader"}),
    (Priority, {"level": "P2", "factors": ["intent:crisis"]}),
    (TopicMatch, {"topic_id": "acme", "group": "brand", "terms": ["acme"], "spans": [(7, 11)]}),
    (ProcessingTimes, {"ingested_at": None, "enriched_at": NOW, "enrich_us": 12}),
]


@pytest.mark.parametrize(("cls", "values"), SMALL_MODELS)
def test_trusted_equals_model_construct_and_validation(cls: type[BaseModel], values: dict[str, Any]) -> None:
    fast = trusted(cls, dict(values))
    slow = cls.model_construct(**values)
    assert fast == slow == cls.model_validate(values)
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump_json() == slow.model_dump_json()
    assert repr(fast) == repr(slow)
    # Out of field order: reordered, so serialisation still follows the model.
    shuffled = dict(reversed(list(values.items())))
    assert trusted(cls, shuffled).model_dump_json() == slow.model_dump_json()


def test_trusted_falls_back_to_model_construct_for_partial_or_unknown_fields() -> None:
    partial = trusted(Priority, {"level": "P1"})
    assert partial == Priority.model_construct(level="P1") and partial.factors == []
    assert partial.model_fields_set == {"level"}
    odd = trusted(LanguageGuess, {"lang": "en", "confidence": 0.5, "junk": 1})
    assert odd == LanguageGuess.model_construct(lang="en", confidence=0.5, junk=1)


def test_trusted_models_copy_and_stay_frozen() -> None:
    guess = trusted(LanguageGuess, {"lang": "en", "confidence": 0.9, "method": "fasttext"})
    assert guess.model_copy(update={"lang": "de"}).lang == "de" and guess.lang == "en"
    with pytest.raises(ValidationError):
        guess.lang = "fr"


# -- the enricher -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def enricher() -> Enricher:
    from enrich.intent import IntentTagger
    from enrich.matching import WatchlistMatcher, mention_fields, parse_watchlist
    from enrich.multilingual import SentimentRouter
    from enrich.priority import Prioritizer
    from enrich.privacy import Redactor

    watchlist = parse_watchlist((ROOT / "config" / "watchlist.yaml").read_text(), "config/watchlist.yaml")
    return Enricher(matcher=WatchlistMatcher(watchlist), scorer=SentimentRouter(), detector=LanguageDetector(),
                    tagger=IntentTagger.default(), prioritizer=Prioritizer(), redactor=Redactor(),
                    fields=mention_fields)


def _sample(n: int) -> list[RawMention]:
    lines = (ROOT / "data" / "sample_mentions.jsonl").read_text().splitlines()[:n]
    return [RawMention.model_validate_json(line) for line in lines]


def test_enriched_mention_equals_a_validated_one(enricher: Enricher) -> None:
    for raw in [*_sample(40), _raw(lang=""), _raw(text="👍👍", lang=None)]:
        m = enricher.enrich(raw, NOW)
        again = EnrichedMention.model_validate(m.model_dump())
        assert again == m
        assert list(m.__dict__) == list(EnrichedMention.model_fields)
        assert m.model_fields_set == set(EnrichedMention.model_fields)
        assert m.lang == (raw.lang or (m.language.lang if m.language.lang != "und" else None))


def test_enrich_many_equals_enrich_per_mention(enricher: Enricher) -> None:
    raws = _sample(120) + [_raw(text="call me at 010-1234-5678 @acmecoffee", lang=None)]
    ingested = datetime(2026, 11, 2, 8, tzinfo=UTC)
    batch = enricher.enrich_many(raws, NOW, ingested)
    assert len(batch) == len(raws)
    for raw, got in zip(raws, batch, strict=True):
        one = enricher.enrich(raw, NOW, ingested)
        assert got.model_dump(exclude={"times"}) == one.model_dump(exclude={"times"})
        assert (got.times.enriched_at, got.times.ingested_at) == (NOW, ingested)
    assert enricher.enrich_many([], NOW) == []


# -- language ---------------------------------------------------------------------------------------

_OLD_MARKUP = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w@])@\w+|(?<![\w#])#\w+|\[(?:email|phone|card|rrn)\]", re.IGNORECASE
)


def _old_strip(text: str) -> str:
    if "http" in text or "www." in text or "@" in text or "#" in text or "[" in text:
        text = _OLD_MARKUP.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


_MARKUP_PIECES = [*"aHhWw@#[]:/._ \t\n\u3000\u2028\x1c1é스", "http://", "HTTPS://", "www.", "[email]", "[PHONE]"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=16).map("".join))
def test_strip_social_markup_equals_the_plain_regex_version(text: str) -> None:
    assert strip_social_markup(text) == _old_strip(text)


_OLD_KOREAN_URL_OR_HANDLE = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w+", re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP_PIECES), max_size=16).map("".join))
def test_korean_url_and_handle_regex_equals_the_plain_one(text: str) -> None:
    from enrich.korean.analyzer import _URL_OR_HANDLE

    assert _URL_OR_HANDLE.sub(" ", text) == _OLD_KOREAN_URL_OR_HANDLE.sub(" ", text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", "1", "-", ".", "@", "+", "_", " ", "é", "co", "x.io", "ㄱ"]),
                max_size=14).map("".join))
def test_email_hint_is_in_every_email(text: str) -> None:
    from enrich.privacy import _EMAIL, _EMAIL_HINT

    assert _EMAIL_HINT.search(text) is not None or _EMAIL.search(text) is None


def test_trust_hint_skips_fasttext_but_not_script_routing() -> None:
    trusting = LanguageDetector(LanguageConfig(trust_hint=True))
    guess = trusting.detect("The battery life on this laptop is fantastic", hint="de-DE")
    assert (guess.lang, guess.method) == ("de", "hint")
    assert guess.confidence == LanguageConfig().hint_confidence
    assert trusting.detect("너무 좋아요", hint="en").lang == "ko"  # the writing system still wins
    untagged = trusting.detect("The battery life on this laptop is fantastic")
    assert (untagged.lang, untagged.method) == ("en", "fasttext")
    assert trusting.detect("The battery life is fantastic", hint="und").method == "fasttext"


# -- matching fields --------------------------------------------------------------------------------

def _urlsplit_host(url: str) -> str:
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


_URL_PIECES = ["http://", "https://", "HTTP://", "www.", "WWW.", "a", "B", "x.com", ".", "-", ":", ":80", "/",
               "?", "#", "@", "[", "]", "::1", "%", " ", "\t", "\n", "é", "_", "+", "1", "\x01"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_URL_PIECES), max_size=8).map("".join))
def test_url_host_equals_urlsplit(url: str) -> None:
    assert url_host(url) == _urlsplit_host(url)


@settings(max_examples=300, deadline=None)
@given(site=st.sampled_from(["", "reddit.com", "old.reddit.com", "a.b.", ".x.com", "x..com", "www.x.com"]),
       links=st.lists(st.sampled_from(["https://youtu.be/a", "www.tesla.com", "http://sub.tesla.com/x", "nohost",
                                       "https://a.b./c"]), max_size=3),
       lang=st.sampled_from([None, "ko", "en", "ko-KR"]))
def test_field_anchor_index_equals_field_anchors(site: str, links: list[str], lang: str | None) -> None:
    by_key = {"site\x00reddit.com": (1,), "site\x00x.com": (2,), "links\x00tesla.com": (3,), "links\x00b.": (4,),
              "lang\x00ko": (5,), "site\x00": (6,), "links\x00": (7,)}
    fields: dict[str, Any] = {"site": site, "links": links}
    if lang:
        fields["lang"] = lang
    expected: set[int] = set()
    for key in field_anchors(FieldView(fields), frozenset({"site", "links", "lang"})):
        expected.update(by_key.get(key, ()))
    got: set[int] = set()
    FieldAnchorIndex(by_key).add_candidates(FieldView(fields), got)
    assert got == expected


_OLD_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\u3000]+", re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["http://", "HTTPS://", "hTtP://", "www.", "WwW.", "a", "h", "w", ".", " ", "<",
                                 "\u3000", "x.com", '"', ":", "//", "\u017f", "\u0130", ")"]), max_size=10).map("".join))
def test_urls_in_text_equals_the_plain_regex(text: str) -> None:
    from enrich.matching.fields import _TRAILING_PUNCT, urls_in_text

    assert urls_in_text(text) == [m.group().rstrip(_TRAILING_PUNCT) for m in _OLD_URL_RE.finditer(text)]


def test_enrich_many_pauses_the_collector_and_always_resumes_it(enricher: Enricher) -> None:
    import gc
    from dataclasses import replace

    raws = _sample(3)
    seen: list[bool] = []
    real = enricher.tagger

    class Spy:
        def tag(self, text: str, lang: str) -> list[str]:
            seen.append(gc.isenabled())
            return real.tag(text, lang)

    class Broken:
        def tag(self, text: str, lang: str) -> list[str]:
            raise RuntimeError("boom")

    assert gc.isenabled()
    spied = replace(enricher, tagger=Spy())
    assert len(spied.enrich_many(raws, NOW)) == 3
    assert seen == [False, False, False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        replace(enricher, tagger=Broken()).enrich_many(raws, NOW)
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        spied.enrich_many(raws, NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_every_raw_field_reaches_the_enriched_mention(enricher: Enricher) -> None:
    # Enricher._build lists the raw fields one by one (a dict literal is the fast path): a field
    # added to RawMention and not to that list would silently get its default here.
    raw = _raw(url="https://acme.example/p/1", lang="en", country="KR", reply_to_id="r1", quote_of_id="q1",
               repost_of_id="p1", source_tags=["t"], extras={"rating": 4}, schema_version=1,
               author={"id": "a1", "handle": "ann", "name": "Ann", "followers": 10, "verified": True},
               engagement={"likes": 1, "replies": 2, "reposts": 3, "quotes": 4, "views": 5})
    unset = [name for name, field in RawMention.model_fields.items()
             if name != "schema_version" and getattr(raw, name) == field.get_default(call_default_factory=True)]
    assert unset == [], "give these fields a non-default value in this test"
    for got in (enricher.enrich(raw, NOW), enricher.enrich_many([raw], NOW)[0]):
        for name in RawMention.model_fields:
            if name not in ("text", "author"):  # redacted / id possibly hashed
                assert getattr(got, name) == getattr(raw, name), name
        assert list(got.__dict__) == list(EnrichedMention.model_fields)


# -- translate tables replaced or completed ---------------------------------------------------------

_TAGGER_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\uff1f": "?", "\uff01": "!"})


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["\u2019", "\u2018", "\uff1f", "\uff01", "'", "?", "a", "좋", " ", "é", "\u2019\u2019"]),
                max_size=12).map("".join))
def test_tagger_fold_equals_the_translate_table(text: str) -> None:
    from enrich.intent.tagger import _fold

    assert _fold(text) == text.translate(_TAGGER_FOLD)


def test_ascii_non_word_table_blanks_exactly_the_non_word_characters() -> None:
    from enrich.matching.normalize import _ASCII_NON_WORD

    every = "".join(chr(cp) for cp in range(128))
    assert len(_ASCII_NON_WORD) == 128  # complete: translate never misses (see the table's comment)
    assert every.translate(_ASCII_NON_WORD) == re.sub(r"\W", " ", every)


@pytest.mark.parametrize("url", ["https://WWW.Example.COM/a", "http://sub.x-y.com/é\t", "https://x.com:8080/a",
                                 "https://user@x.com/", "https://[::1]/", "https:///a", "https://x.com?q=/",
                                 "https://xn--bcher-kva.example/", "https://ex%41mple.com/", " https://x.com/ "])
def test_url_host_fast_path_equals_urlsplit(url: str) -> None:
    assert url_host(url) == _urlsplit_host(url)


# -- matching a batch step by step --------------------------------------------------------------------

def test_match_many_equals_match_per_post() -> None:
    from bench.bench_matching import make_watchlist
    from enrich.matching import WatchlistMatcher, mention_fields, parse_watchlist
    from enrich.matching.watchlist import Watchlist

    sample = parse_watchlist((ROOT / "config" / "watchlist.yaml").read_text(), "config/watchlist.yaml")
    matcher = WatchlistMatcher(Watchlist(topics=[*sample.topics, *make_watchlist(300).topics]))
    raws = _sample(400)
    texts = [raw.text for raw in raws]
    fields = [mention_fields(raw) for raw in raws]
    fields[0] = None  # type: ignore[call-overload]  # a post without fields
    batch = matcher.match_many(texts, fields)
    assert batch == [matcher.match(text, values) for text, values in zip(texts, fields, strict=True)]
    assert sum(map(len, batch)) > len(raws) // 2  # the synthetic topics do match
    assert matcher.match_many([], []) == []


def test_enrich_many_with_a_matcher_without_match_many(enricher: Enricher) -> None:
    from dataclasses import replace

    class OnePostAtATime:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def match(self, text: str, fields: dict[str, Any] | None = None) -> list[TopicMatch]:
            return self.inner.match(text, fields)  # type: ignore[no-any-return]

    plain = replace(enricher, matcher=OnePostAtATime(enricher.matcher))
    raws = _sample(60)
    got = plain.enrich_many(raws, NOW)
    expected = enricher.enrich_many(raws, NOW)
    assert [m.model_dump(exclude={"times"}) for m in got] == [m.model_dump(exclude={"times"}) for m in expected]
    assert any(m.topics for m in got)


@pytest.mark.parametrize("trust_hint", [False, True])
def test_detect_many_equals_detect_per_text(trust_hint: bool) -> None:
    detector = LanguageDetector(LanguageConfig(trust_hint=trust_hint))
    raws = _sample(300)
    texts = [raw.text for raw in raws] + ["", "#samsung #galaxy", "LOL OMG THIS IS GREAT", "너무 좋아요", "ok",
                                           "Das Display ist nach zwei Tagen kaputt", "https://x.com/a @ann"]
    hints = [raw.lang for raw in raws] + [None, "en", None, "en", "ko", "de-DE", "und"]
    got = detector.detect_many(texts, hints)
    assert got == [detector.detect(text, hint) for text, hint in zip(texts, hints, strict=True)]
    assert {g.method for g in got} >= {"fasttext", "script"}
    assert detector.detect_many([], []) == []


def test_score_many_equals_score_per_text() -> None:
    from enrich.korean import KoreanSentimentAnalyzer
    from enrich.multilingual import SentimentRouter

    class DictOnly:  # an analyzer without the tuple API: polarity_scores only
        name = "dict-only"

        def polarity_scores(self, text: str) -> dict[str, float]:
            return KoreanSentimentAnalyzer().polarity_scores(text)

    raws = _sample(200)
    texts = [raw.text for raw in raws] + ["great!", "별로예요", "bof", "terrible"]
    langs = [raw.lang or "en" for raw in raws] + ["EN", "ko", "fr", "und"]
    for router in (SentimentRouter(), SentimentRouter({"en": SentimentRouter()._routes["en"][0], "ko": DictOnly()})):
        got = router.score_many(texts, langs)
        assert got == [router.score(text, lang) for text, lang in zip(texts, langs, strict=True)]
        assert any(s is None for s in got) and {s.analyzer for s in got if s is not None} >= {"vader"}
    assert SentimentRouter().score_many([], []) == []


def test_tag_many_equals_tag_per_text() -> None:
    from enrich.intent import IntentTagger

    tagger = IntentTagger.default()
    raws = _sample(300)
    texts = [raw.text for raw in raws] + ["Is the app down?", "서버 먹통이에요 언제 복구되나요？", "I don\u2019t like it", ""]
    langs = [raw.lang or "und" for raw in raws] + ["EN", "ko", "en", "fr"]
    got = tagger.tag_many(texts, langs)
    assert got == [tagger.tag(text, lang) for text, lang in zip(texts, langs, strict=True)]

    def interleaved(text: str, lang: str) -> list[str]:  # the order before: each rule set's phrases, then its regexes
        from enrich.intent.tagger import _folded, _tags

        folded, hits, vetoed = _folded(text), set[str](), set[str]()
        for rules in tagger._rule_sets(lang):
            tagger._scan_phrases(rules, folded, hits, vetoed)
            tagger._scan_patterns(rules, folded, hits)
        return _tags(hits, vetoed)

    assert got == [interleaved(text, lang) for text, lang in zip(texts, langs, strict=True)]
    assert sum(1 for tags in got if tags) > 50  # the rules do fire
    assert tagger.tag_many([], []) == []


def test_field_anchor_index_remembers_sites_without_changing_results() -> None:
    by_key = {"site\x00reddit.com": (1,), "site\x00x.com": (2,), "site\x00old.reddit.com": (3,), "site\x00": (4,)}
    index = FieldAnchorIndex(by_key)
    sites = ["reddit.com", "old.reddit.com", "a.old.reddit.com", "x.com", "y.com", ""] * 3
    sites += [f"s{i}.reddit.com" for i in range(5000)]  # more than the cache holds: it is cleared and refilled
    for site in sites:
        expected: set[int] = set()
        for key in field_anchors(FieldView({"site": site}), frozenset({"site"})):
            expected.update(by_key.get(key, ()))
        got: set[int] = set()
        index.add_candidates(FieldView({"site": site}), got)
        assert got == expected, site


@pytest.mark.parametrize("names", [None, frozenset(), frozenset({"site", "links", "lang"}),
                                   frozenset({"continent", "rating", "authorFollowers"})])
def test_fields_for_equals_mention_fields(names: frozenset[str] | None) -> None:
    from enrich.matching import fields_for, mention_fields

    raws = _sample(200)
    langs = [None if i % 3 else "ko" for i in range(len(raws))]
    builder = fields_for(names)
    expected = [mention_fields(raw, lang, names=names) for raw, lang in zip(raws, langs, strict=True)]
    assert [builder(raw, lang) for raw, lang in zip(raws, langs, strict=True)] == expected
    assert builder.many(raws, langs) == expected
    assert builder(raws[0]) == mention_fields(raws[0], names=names)

"""Post metadata for field operators (``lang:``, ``site:``, ``authorFollowers:[a TO b]``...).

:func:`mention_fields` builds the fields dict from a :class:`schemas.RawMention`; :func:`normalize_fields`
brings any fields dict (also hand-written ones in tests) to the canonical form the evaluators compare.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final
from urllib.parse import urlsplit

import pycountry

from enrich.matching.syntax import Field, Range
from schemas import RawMention

# ISO 3166 alpha-2 codes by continent (as used by Brandwatch's continent: operator).
_CONTINENT_CODES = {
    "africa": "DZ AO BJ BW BF BI CV CM CF TD KM CD CG CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG MW ML "
    "MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH ZM ZW",
    "asia": "AF AM AZ BH BD BT BN KH CN CY GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN MM NP KP OM PK "
    "PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE IO",
    "europe": "AX AL AD AT BY BE BA BG HR CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI LT LU MT MD MC "
    "ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB VA",
    "north america": "AI AG AW BS BB BZ BM BQ CA KY CR CU CW DM DO SV GL GD GP GT HT HN JM MQ MX MS NI PA PR BL KN "
    "LC MF PM VC SX TT TC US VG VI UM",
    "south america": "AR BO BR CL CO EC FK GF GY PY PE SR UY VE GS BV",
    "oceania": "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF",
    "antarctica": "AQ TF HM",
}
COUNTRY_CONTINENT: Final = {code: name for name, codes in _CONTINENT_CODES.items() for code in codes.split()}
_CONTINENT_ALIASES: Final = {"af": "africa", "as": "asia", "eu": "europe", "na": "north america",
                             "sa": "south america", "oc": "oceania", "an": "antarctica", "australia": "oceania"}
_PLATFORM_ALIASES: Final = {"twitter": "x", "x.com": "x", "twitter.com": "x", "fb": "facebook", "ig": "instagram",
                            "yt": "youtube"}
_ENGAGEMENT_ALIASES: Final = {"retweet": "repost", "reblog": "repost", "share": "repost", "comment": "reply",
                              "quote_tweet": "quote", "quotetweet": "quote"}
# The lookahead lets the regex engine skip to the letters a URL can start with.
_URL_RE: Final = re.compile(r"(?=[hw])(?:https?://|www\.)[^\s<>\"'\u3000]+", re.IGNORECASE)
_TRAILING_PUNCT: Final = ".,;:!?)]}'\"…"


def _key(value: str) -> str:
    return " ".join(value.replace("_", " ").replace("-", " ").split()).casefold()


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO alpha-2 code of a country given as alpha-2, alpha-3 or name; the folded input if unknown."""
    value = value.strip()
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return _key(value)


@lru_cache(maxsize=4096)
def _country_continent(country: str) -> str | None:
    """Continent of a country given as alpha-2, alpha-3 or name; None if unknown."""
    return COUNTRY_CONTINENT.get(country_code(country).upper())


@lru_cache(maxsize=4096)
def continent_name(value: str) -> str:
    """Canonical continent name ("north america") from a name, code such as "NA", or snake_case."""
    key = _key(value)
    return _CONTINENT_ALIASES.get(key, key)


@lru_cache(maxsize=4096)
def _platform(value: str) -> str:
    key = _key(value)
    return _PLATFORM_ALIASES.get(key, key)


@lru_cache(maxsize=4096)
def _engagement(value: str) -> str:
    key = _key(value)
    return _ENGAGEMENT_ALIASES.get(key, key)


@lru_cache(maxsize=4096)
def _handle(value: str) -> str:
    return value.strip().lstrip("@").casefold()


@lru_cache(maxsize=4096)
def _lang(value: str) -> str:
    return value.strip().replace("_", "-").split("-")[0].casefold()


_SCHEME: Final = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """Lower-case URL without scheme and leading ``www.``, for substring and prefix comparisons."""
    url = url.strip()
    url = _SCHEME.sub("", url)
    url = url.casefold()
    return url[4:] if url.startswith("www.") else url


# The common URL shape, "scheme://host[:port]" followed by "/", "?", "#" or the end, with a plain
# ASCII host. For it, urlsplit(url).hostname is the lower-cased host; anything else (user info,
# IPv6 brackets, percent signs, whitespace urlsplit would drop, non-ASCII) goes to urlsplit.
_PLAIN_HOST: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]*)(?::[0-9]*)?(?:[/?#]|\Z)")


def _http_host(url: str) -> str | None:
    """The host of an ASCII ``http(s)://host[/...]`` URL whose host has only letters, digits, dots and
    hyphens (what _PLAIN_HOST would capture, without a regex); None for any other URL."""
    if url.startswith("https://"):
        start = 8
    elif url.startswith("http://"):
        start = 7
    else:
        return None
    end = url.find("/", start)
    host = url[start:end] if end >= 0 else url[start:]
    return host if host.replace(".", "").replace("-", "").isalnum() else None


@lru_cache(maxsize=4096)
def _plain_host(netloc: str) -> str | None:
    """Lower-cased ``netloc`` without ``www.`` if it has only ASCII letters, digits, dots and hyphens;
    None otherwise (cached: posts link to a few thousand hosts at most)."""
    if not (netloc.isascii() and netloc.replace(".", "").replace("-", "").isalnum()):
        return None
    host = netloc.lower()
    return host[4:] if host.startswith("www.") else host


def url_host(url: str) -> str:
    """Host of a URL without ``www.`` and port ("" if there is none)."""
    # The usual shape first: "http(s)://host/..." with a plain host. What follows the first "/" cannot
    # change the host (urlsplit's result for such URLs is this one; tested against urlsplit).
    if url.startswith("https://"):
        start = 8
    elif url.startswith("http://"):
        start = 7
    else:
        start = 0
    if start:
        end = url.find("/", start)
        if end > start:
            host = _plain_host(url[start:end])
            if host is not None:
                return host
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    if url.isascii() and "\t" not in url and "\n" not in url and "\r" not in url:
        host = _http_host(url)
        if host is None:
            plain = _PLAIN_HOST.match(url)
            host = plain.group(1) if plain is not None else None
        if host is not None:
            host = host.lower()
            return host[4:] if host.startswith("www.") else host
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def host_suffixes(host: str) -> list[str]:
    """``a.b.example.com`` -> [a.b.example.com, b.example.com, example.com, com]."""
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))] if host else []


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    key = str(value).strip().casefold()
    if key in ("true", "yes", "1", "y", "verified"):
        return True
    if key in ("false", "no", "0", "n"):
        return False
    return None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def urls_in_text(text: str) -> list[str]:
    """URLs written in a post (``http(s)://`` or ``www.``), without trailing punctuation."""
    # What every match needs: "://", or "www." in any case (so "w." or "W."; lower() allocates).
    if "://" not in text and ("w." not in text and "W." not in text or "www." not in text.lower()):
        return []
    return [m.group().rstrip(_TRAILING_PUNCT) for m in _URL_RE.finditer(text)]


def _get(raw: Mapping[str, Any], name: str) -> Any:
    """``raw.get(name)``; compiled, a direct lookup when ``raw`` is a dict (the usual case)."""
    if isinstance(raw, dict):
        return raw.get(name)
    return raw.get(name)


def _str(raw: Mapping[str, Any], name: str) -> str | None:
    value = _get(raw, name)
    if type(value) is str:  # the usual case, without the comparisons below
        return value or None
    return str(value) if value not in (None, "") else None


def _norm_lang(raw: Mapping[str, Any]) -> str | None:
    value = _str(raw, "lang") or _str(raw, "language")
    return _lang(value) if value else None


def _norm_country(raw: Mapping[str, Any]) -> str | None:
    value = _str(raw, "country")
    return country_code(value) if value else None


def _norm_continent(raw: Mapping[str, Any]) -> str | None:
    value = _str(raw, "continent")
    if value is None:
        country = _norm_country(raw)
        value = COUNTRY_CONTINENT.get(country.upper()) if country else None
    return continent_name(value) if value else None


def _norm_url(raw: Mapping[str, Any]) -> str | None:
    value = _str(raw, "url")
    return normalize_url(value) if value else None


@lru_cache(maxsize=4096)
def _site_host(site: str) -> str:
    """Canonical form of a ``site`` value (cached: posts come from a few thousand sites at most)."""
    return url_host(site) or site.casefold()


def _norm_site(raw: Mapping[str, Any]) -> str | None:
    site = _str(raw, "site")
    if site is None:
        url = _str(raw, "url")
        site = url_host(url) if url else None
    return _site_host(site) if site else None


def _norm_links(raw: Mapping[str, Any]) -> list[str] | None:
    links = _get(raw, "links") or ()
    if isinstance(links, str):
        links = [links]
    return [normalize_url(str(u)) for u in links] or None


def _norm_str(name: str, normalise: Callable[[str], str]) -> Callable[[Mapping[str, Any]], str | None]:
    def get(raw: Mapping[str, Any]) -> str | None:
        value = _str(raw, name)
        return normalise(value) if value else None

    return get


_NORMALISERS: Final[dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    "lang": _norm_lang, "country": _norm_country, "continent": _norm_continent, "url": _norm_url,
    "site": _norm_site, "links": _norm_links, "author": _norm_str("author", _handle),
    "platform": _norm_str("platform", _platform), "engagementType": _norm_str("engagementType", _engagement),
    "authorVerified": lambda raw: _truthy(raw.get("authorVerified")),
    "authorFollowers": lambda raw: _number(raw.get("authorFollowers")),
    "rating": lambda raw: _number(raw.get("rating")),
}


_UNSET: Final[Any] = object()


def _normalise(raw: Mapping[str, Any], name: str) -> Any:
    """``_NORMALISERS[name](raw)``, None for an unknown name. The fields the prefilter and the usual
    queries read are dispatched here with direct (compiled) calls instead of a call through the dict."""
    if name == "site":
        return _norm_site(raw)
    if name == "lang":
        return _norm_lang(raw)
    if name == "links":
        return _norm_links(raw)
    if name == "authorFollowers":
        return _number(_get(raw, "authorFollowers"))
    if name == "authorVerified":
        return _truthy(_get(raw, "authorVerified"))
    normalise = _NORMALISERS.get(name)
    return normalise(raw) if normalise is not None else None


class FieldView:
    """Canonical view of a raw fields dict; each field is normalised on first use (most posts need few)."""

    __slots__ = ("raw", "_cache")

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self.raw: Mapping[str, Any] = raw or {}
        self._cache: dict[str, Any] = {}

    def get(self, name: str, default: Any = None) -> Any:
        """Normalised value of field ``name``, or ``default`` if the post does not have it."""
        # Most reads are a field's first read in its post: a miss is the common case, so no try/except.
        cache = self._cache
        value = cache.get(name, _UNSET)
        if value is _UNSET:
            value = cache[name] = _normalise(self.raw, name)
        return default if value is None else value


def normalize_fields(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """Canonical form of a fields dict (see docs/query-language.md, "Fields"). Unknown keys are dropped."""
    view = FieldView(fields)
    return {name: view.get(name) for name in _NORMALISERS if view.get(name) is not None}


# Fields compared for equality after normalisation: their values can be prefilter keys directly.
_EQUALITY_FIELDS: Final[dict[str, Callable[[str], str]]] = {
    "lang": lambda v: _lang(v), "country": lambda v: country_code(v), "continent": lambda v: continent_name(v),
    "platform": lambda v: _platform(v), "engagementType": lambda v: _engagement(v),
    "author": lambda v: _handle(v),
}
SELECTIVE_FIELDS: Final = frozenset({"site", "links", "author"})
"""Fields whose prefilter keys are rare enough to be preferred to common words (see engine)."""


def field_anchors(view: FieldView, names: frozenset[str]) -> list[str]:
    """Prefilter keys a post offers for the field ``names`` some query is anchored on.

    Built from the same normalised values the predicates compare, so the prefilter never disagrees
    with them; only the fields named are normalised.
    """
    keys: list[str] = []
    for name in names:
        if name == "site":
            keys.extend(f"site\x00{h}" for h in host_suffixes(view.get("site", "")))
        elif name == "links":
            for link in view.get("links", ()):
                keys.extend(f"links\x00{h}" for h in host_suffixes(url_host(link)))
        else:
            value = view.get(name)
            if value is not None:
                keys.append(f"{name}\x00{value}")
    return keys


_SITE_CACHE_SIZE: Final = 4096


class FieldAnchorIndex:
    """Candidate queries for a post's field values: :func:`field_anchors` and the dict lookup of its
    keys in one pass, without building the key strings (this runs for every post)."""

    __slots__ = ("_site", "_links", "_other", "_by_site")

    def __init__(self, by_key: Mapping[str, tuple[int, ...]]) -> None:
        # Candidates per site, remembered: posts come from a few thousand sites at most.
        self._by_site: dict[str, tuple[int, ...]] = {}
        tables: dict[str, dict[str, tuple[int, ...]]] = {}
        for key, queries in by_key.items():
            name, value = key.split("\x00", 1)
            tables.setdefault(name, {})[value] = queries
        self._site = tables.pop("site", None)
        self._links = tables.pop("links", None)
        self._other = tuple(tables.items())

    def __bool__(self) -> bool:
        return bool(self._site or self._links or self._other)

    def add_candidates(self, view: FieldView, out: set[int]) -> None:
        """Add to ``out`` the queries anchored on one of the post's field values."""
        if self._site:
            site = view.get("site", "")
            found = self._by_site.get(site)
            if found is None:
                found = self._site_candidates(site)
            if found:
                out.update(found)
        if self._links:
            for link in view.get("links", ()):
                self._add_suffixes(self._links, url_host(link), out)
        for name, table in self._other:
            value = view.get(name)
            if value is not None:
                found = table.get(value if isinstance(value, str) else f"{value}")
                if found:
                    out.update(found)

    def _site_candidates(self, site: str) -> tuple[int, ...]:
        """The queries anchored on ``site`` or a parent domain of it (cached, see ``_by_site``)."""
        found: set[int] = set()
        if self._site:
            self._add_suffixes(self._site, site, found)
        if len(self._by_site) >= _SITE_CACHE_SIZE:
            self._by_site.clear()
        result = self._by_site[site] = tuple(found)
        return result

    @staticmethod
    def _add_suffixes(table: dict[str, tuple[int, ...]], host: str, out: set[int]) -> None:
        # The keys host_suffixes(host) yields: the host, then the rest after each dot.
        if not host:
            return
        while True:
            found = table.get(host)
            if found:
                out.update(found)
            dot = host.find(".")
            if dot < 0:
                return
            host = host[dot + 1:]


def field_anchor(node: Field) -> frozenset[str] | None:
    """Prefilter keys of a field condition, or None when the condition cannot be prefiltered."""
    if node.name == "site":
        return frozenset(f"site\x00{url_host(v) or v.casefold()}" for v in node.values)
    if node.name == "links" and all("/" not in v.rstrip("/") for v in node.values):
        return frozenset(f"links\x00{url_host(v) or v.casefold()}" for v in node.values)
    normalise = _EQUALITY_FIELDS.get(node.name)
    if normalise is not None:
        return frozenset(f"{node.name}\x00{normalise(v)}" for v in node.values)
    return None


def _domain_match(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


Predicate = Callable[[FieldView], bool]


def field_predicate(node: Field | Range) -> Predicate:
    """A test on normalised fields for a field node."""
    if isinstance(node, Range):
        name, low, high = node.name, node.low, node.high

        def in_range(f: FieldView) -> bool:
            x = f.get(name)
            return x is not None and (low is None or x >= low) and (high is None or x <= high)

        return in_range
    name = node.name
    values: Iterable[str] = node.values
    if name == "lang":
        wanted = frozenset(_lang(v) for v in values)
        return lambda f: f.get("lang") in wanted
    if name == "country":
        wanted = frozenset(country_code(v) for v in values)
        return lambda f: f.get("country") in wanted
    if name == "continent":
        wanted = frozenset(continent_name(v) for v in values)
        return lambda f: f.get("continent") in wanted
    if name == "platform":
        wanted = frozenset(_platform(v) for v in values)
        return lambda f: f.get("platform") in wanted
    if name == "engagementType":
        wanted = frozenset(_engagement(v) for v in values)
        return lambda f: f.get("engagementType") in wanted
    if name == "author":
        wanted = frozenset(v.strip().lstrip("@").casefold() for v in values)
        return lambda f: f.get("author") in wanted
    if name == "authorVerified":
        flags = {_truthy(v) for v in values}
        return lambda f: f.get("authorVerified") in flags
    if name == "site":
        domains = [(d, "." + d) for d in (url_host(v) or v.casefold() for v in values)]

        def on_site(f: FieldView) -> bool:
            site = f.get("site", "")
            for domain, dotted in domains:  # _domain_match, unrolled
                if site == domain or site.endswith(dotted):
                    return True
            return False

        return on_site
    if name == "url":
        parts = [normalize_url(v) for v in values]
        return lambda f: any(p in f.get("url", "") for p in parts)
    # links: a bare domain matches links to that domain or its subdomains; anything longer is a substring.
    link_domains = [url_host(v) for v in values if "/" not in v.rstrip("/")]
    link_parts = [normalize_url(v) for v in values if "/" in v.rstrip("/")]

    def linked(f: FieldView) -> bool:
        for link in f.get("links", ()):
            host = url_host(link)
            if any(_domain_match(host, d) for d in link_domains) or any(p in link for p in link_parts):
                return True
        return False

    return linked


def mention_fields(mention: RawMention, lang: str | None = None,
                   names: frozenset[str] | None = None) -> dict[str, Any]:
    """Fields dict of a mention for field operators; ``lang`` (e.g. a detected language) wins if given.

    ``names``: the fields the watchlist reads (``WatchlistMatcher.field_names``); the derived ones
    that cost something to compute (``continent``, ``site``, ``links``, ``rating``) are left out
    when not among them. None computes every field.
    """
    # Values straight from the instance dicts: attribute reads on pydantic models go through their
    # __getattr__ hook, ~3x the cost of a dict read, and this runs for every post.
    raw = mention.__dict__
    fields: dict[str, Any] = {"platform": raw["platform"]}
    language = lang or raw["lang"]
    if language:
        fields["lang"] = language
    country = raw["country"]
    if country:
        fields["country"] = country
        if names is None or "continent" in names:
            continent = _country_continent(country)
            if continent:
                fields["continent"] = continent
    url = raw["url"]
    if url:
        fields["url"] = url
        if names is None or "site" in names:
            fields["site"] = url_host(url)
    extras = raw["extras"]
    if names is None or "links" in names:
        links = urls_in_text(raw["text"])
        if extras:
            for extra in ("links", "urls", "expanded_urls"):
                value = extras.get(extra)
                if isinstance(value, list):
                    links.extend(str(v) for v in value)
        fields["links"] = links
    author = raw["author"].__dict__
    handle = author["handle"]
    if handle:
        fields["author"] = handle.lstrip("@")
    followers = author["followers"]
    if followers is not None:
        fields["authorFollowers"] = followers
    verified = author["verified"]
    if verified is not None:
        fields["authorVerified"] = verified
    if raw["repost_of_id"]:
        fields["engagementType"] = "repost"
    elif raw["quote_of_id"]:
        fields["engagementType"] = "quote"
    elif raw["reply_to_id"]:
        fields["engagementType"] = "reply"
    if extras and (names is None or "rating" in names):
        rating = _number(extras.get("rating"))
        if rating is not None:
            fields["rating"] = rating
    return fields


class FieldsFor:
    """:func:`mention_fields` computing only ``names``: ``FieldsFor(names)(mention, lang)``.

    A class rather than ``functools.partial``: a partial with a keyword argument is called through
    the slow generic call path (argument dict and all), once per post.
    """

    __slots__ = ("names",)

    def __init__(self, names: frozenset[str] | None) -> None:
        self.names = names

    def __call__(self, mention: RawMention, lang: str | None = None) -> dict[str, Any]:
        return mention_fields(mention, lang, self.names)

    def many(self, mentions: Sequence[RawMention], langs: Sequence[str | None]) -> list[dict[str, Any]]:
        """The fields of each mention (with the language at the same index)."""
        names = self.names
        return [mention_fields(mention, lang, names) for mention, lang in zip(mentions, langs, strict=True)]


def fields_for(names: frozenset[str] | None) -> FieldsFor:
    """:func:`mention_fields` computing only ``names`` (e.g. ``fields_for(matcher.field_names)``)."""
    return FieldsFor(names)

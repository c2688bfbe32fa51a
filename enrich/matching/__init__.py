"""Watchlists and a Brandwatch-compatible Boolean query language, matched fast.

Public API::

    from enrich.matching import compile_query, parse_watchlist, WatchlistMatcher, mention_fields
    q = compile_query('("model y" OR tesla) AND NOT recall')
    q.matches("Love my Tesla", {"lang": "en"})
    m = WatchlistMatcher(parse_watchlist(yaml_text, source="watchlists.yaml"))
    m.match(text, fields)  # -> list[schemas.TopicMatch]

See docs/query-language.md and docs/watchlists.md.
"""

from enrich.matching.errors import MatchingError, QuerySyntaxError, WatchlistError
from enrich.matching.fields import fields_for, mention_fields, normalize_fields
from enrich.matching.matcher import WatchlistMatcher
from enrich.matching.normalize import FoldedText, fold
from enrich.matching.parser import parse_query
from enrich.matching.query import Query, compile_query
from enrich.matching.watchlist import Topic, TopicGroup, Watchlist, parse_watchlist

__all__ = [
    "FoldedText", "MatchingError", "Query", "QuerySyntaxError", "Topic", "TopicGroup", "Watchlist",
    "WatchlistError", "WatchlistMatcher", "compile_query", "fields_for", "fold", "mention_fields", "normalize_fields",
    "parse_query", "parse_watchlist",
]

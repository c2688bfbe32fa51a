"""``WatchlistMatcher``: every watch topic a post matches, with the matched terms and their spans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from enrich._trusted import trusted
from enrich.matching.engine import Engine, Post
from enrich.matching.watchlist import Watchlist
from schemas import TopicMatch


class WatchlistMatcher:
    """Matches posts against all enabled topics of a watchlist. Immutable; rebuild to reload."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._topics = [t for t in watchlist.topics if t.enabled]
        self._engine = Engine([t.node() for t in self._topics])
        # (id, group) per topic, read once here rather than from the pydantic Topic for every match.
        self._labels: list[tuple[str, str]] = [(t.id, t.group) for t in self._topics]

    def match(self, text: str, fields: Mapping[str, Any] | None = None) -> list[TopicMatch]:
        """All matching topics in watchlist order; spans are (start, end) offsets into ``text``."""
        post, matched = self._engine.matching(text, fields)
        return self._explain(post, matched)

    def match_many(self, texts: Sequence[str], fields: Sequence[Mapping[str, Any] | None]) -> list[list[TopicMatch]]:
        """:meth:`match` of each text (with the fields at the same index), computed step by step over
        the batch, which is faster than one post at a time (see ``Engine.matching_many``)."""
        queries = self._engine.queries
        # The explanations of the whole batch, then the models (one step at a time, as above).
        explained = [[(qi, queries[qi].explain(post)) for qi in matched]
                     for post, matched in self._engine.matching_many(texts, fields)]
        return [self._models(found) for found in explained]

    def _explain(self, post: Post, matched: list[int]) -> list[TopicMatch]:
        if not matched:
            return []
        queries = self._engine.queries
        return self._models([(qi, queries[qi].explain(post)) for qi in matched])

    def _models(self, explained: list[tuple[int, tuple[list[str], list[tuple[int, int]]]]]) -> list[TopicMatch]:
        """TopicMatch models from (query index, (terms, spans)) pairs."""
        labels = self._labels
        out = []
        for qi, (terms, spans) in explained:
            topic_id, group = labels[qi]
            # Every value is valid by construction (ids and groups were validated with the watchlist).
            out.append(trusted(TopicMatch, {"topic_id": topic_id, "group": group, "terms": terms,
                                            "spans": spans}))
        return out

    def match_ids(self, text: str, fields: Mapping[str, Any] | None = None) -> list[str]:
        """Ids of the matching topics, without the explanation (cheaper)."""
        _, matched = self._engine.matching(text, fields)
        return [self._topics[qi].id for qi in matched]

    @property
    def field_names(self) -> frozenset[str]:
        """The fields (``site``, ``lang``, ...) some enabled topic's query reads."""
        return self._engine.field_names

    @property
    def stats(self) -> dict[str, int]:
        """Size of the prefilter: topics, distinct terms, automaton keys, always-evaluated topics."""
        return {
            "topics": len(self._topics),
            "terms": len(self._engine.terms),
            "automaton_keys": self._engine.automaton_keys,
            "always_evaluated": self._engine.always_evaluated,
        }

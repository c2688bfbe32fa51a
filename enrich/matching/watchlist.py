"""Watchlist configuration: topics with term lists or a Boolean query, validated with pydantic."""

from __future__ import annotations

import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from enrich.matching.errors import QuerySyntaxError, WatchlistError
from enrich.matching.fields import url_host
from enrich.matching.parser import check_term, parse_query
from enrich.matching.syntax import Field as FieldNode
from enrich.matching.syntax import Node, Not, Or, Term

TopicGroup = Literal["brand", "competitor", "product", "campaign", "industry"]
_TERM_LISTS = ("terms", "hashtags", "handles", "domains")


def _term_node(item: str) -> Term:
    """A term-list entry: a literal word or phrase; ``{X}`` makes it case-sensitive."""
    written = " ".join(item.split())
    if len(written) > 2 and written.startswith("{") and written.endswith("}"):
        return Term(written[1:-1].strip(), case_sensitive=True, written=written)
    return Term(written, written=written)


class Topic(BaseModel):
    """One watch topic. Either term lists (terms/hashtags/handles/domains, minus exclude) or a query."""

    # YAML reads `terms: [7up, 1800]` partly as numbers; a brand name is always text.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=128)
    name: str = Field(min_length=1, max_length=512)
    group: TopicGroup
    terms: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    query: str | None = None
    competitors: list[str] = Field(default_factory=list)
    enabled: bool = True
    description: str | None = None

    @field_validator("terms", "exclude")
    @classmethod
    def _check_terms(cls, items: list[str]) -> list[str]:
        for item in items:
            text = _term_node(item).text
            try:
                check_term(text, text, 0)
            except QuerySyntaxError as exc:
                raise ValueError(f"{item!r}: {exc.reason}") from None
        return items

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, items: list[str]) -> list[str]:
        return [cls._prefixed(i, "#") for i in items]

    @field_validator("handles")
    @classmethod
    def _handles(cls, items: list[str]) -> list[str]:
        return [cls._prefixed(i, "@") for i in items]

    @staticmethod
    def _prefixed(item: str, mark: str) -> str:
        body = item.strip().lstrip(mark)
        if not body or re.search(r"\s", body):
            raise ValueError(f"{item!r} is not a valid {mark}name")
        try:
            check_term(body, body, 0)
        except QuerySyntaxError as exc:
            raise ValueError(f"{item!r}: {exc.reason}") from None
        return mark + body

    @field_validator("domains")
    @classmethod
    def _domains(cls, items: list[str]) -> list[str]:
        out = []
        for item in items:
            host = url_host(item)
            if not host or "." not in host:
                raise ValueError(f"{item!r} is not a domain such as example.com")
            out.append(host)
        return out

    @field_validator("query")
    @classmethod
    def _query(cls, query: str | None) -> str | None:
        if query is not None:
            try:
                parse_query(query)
            except QuerySyntaxError as exc:
                raise ValueError(str(exc)) from None
        return query

    @model_validator(mode="after")
    def _query_or_terms(self) -> Topic:
        listed = any(getattr(self, k) for k in _TERM_LISTS)
        if self.query is not None and (listed or self.exclude):
            raise ValueError("use either 'query' or term lists (terms/hashtags/handles/domains/exclude), not both")
        if self.query is None and not listed:
            raise ValueError("needs 'query' or at least one of terms/hashtags/handles/domains")
        return self

    def node(self) -> Node:
        """The topic as a query syntax tree (term lists become an OR, exclusions a NOT)."""
        if self.query is not None:
            return parse_query(self.query)
        positives: list[Node] = [_term_node(t) for t in self.terms]
        positives += [Term(t) for t in self.hashtags + self.handles]
        for domain in self.domains:
            positives += [Term(domain), FieldNode("links", (domain,)), FieldNode("site", (domain,))]
        node: Node = positives[0] if len(positives) == 1 else Or(tuple(positives))
        if self.exclude:
            excluded = [_term_node(t) for t in self.exclude]
            node = Not(node, excluded[0] if len(excluded) == 1 else Or(tuple(excluded)))
        return node


class Watchlist(BaseModel):
    """All watch topics of a deployment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: list[Topic] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_ids(self) -> Watchlist:
        seen: set[str] = set()
        for topic in self.topics:
            if topic.id in seen:
                raise ValueError(f"duplicate topic id {topic.id!r}")
            seen.add(topic.id)
        for topic in self.topics:
            for other in topic.competitors:
                if other not in seen:
                    raise ValueError(f"topic {topic.id!r}: competitor {other!r} is not a topic id")
                if other == topic.id:
                    raise ValueError(f"topic {topic.id!r}: lists itself as a competitor")
        return self

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id (KeyError if unknown)."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def competitors_of(self, topic_id: str) -> list[str]:
        """Competitor topic ids of a topic, for share of voice (unknown id -> KeyError)."""
        return list(self.topic(topic_id).competitors)


def _describe(raw: Any, loc: tuple[int | str, ...]) -> tuple[str | None, str | None]:
    """Topic id (or its position) and key of a pydantic error location."""
    if len(loc) < 2 or loc[0] != "topics" or not isinstance(loc[1], int):
        return None, ".".join(str(p) for p in loc) or None
    index = loc[1]
    topic: str | None = f"#{index + 1}"
    try:
        topic_id = raw["topics"][index].get("id")
        if topic_id:
            topic = str(topic_id)
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    key = ".".join(str(p) for p in loc[2:]) or None
    return topic, key


def parse_watchlist(yaml_text: str, source: str = "<string>") -> Watchlist:
    """Parse and validate watchlist YAML; raises WatchlistError naming the source, topic and key."""
    try:
        raw = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise WatchlistError(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}", source) from None
    if raw is None:
        raw = {"topics": []}
    if not isinstance(raw, dict):
        raise WatchlistError("the file must be a mapping with a 'topics' list", source)
    try:
        return Watchlist.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first_topic, first_key = _describe(raw, tuple(errors[0]["loc"]))
        lines = []
        for err in errors:
            topic, key = _describe(raw, tuple(err["loc"]))
            where = (f"topic {topic!r}" if topic else "") + (f", key {key!r}" if key else "")
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{where.lstrip(', ')}: {msg}" if where else msg)
        message = lines[0] if len(lines) == 1 else f"{len(lines)} errors:\n  " + "\n  ".join(lines)
        if len(lines) == 1:
            message = str(errors[0]["msg"]).removeprefix("Value error, ")
        raise WatchlistError(message, source, first_topic, first_key) from None

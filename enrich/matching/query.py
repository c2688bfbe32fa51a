"""``compile_query``: one Boolean query, compiled for repeated matching."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enrich.matching.engine import Engine, Span
from enrich.matching.parser import parse_query
from enrich.matching.syntax import Node


class Query:
    """A compiled Boolean query. Build with :func:`compile_query`."""

    __slots__ = ("text", "node", "_engine")

    def __init__(self, text: str, node: Node) -> None:
        self.text = text
        self.node = node
        self._engine = Engine([node])

    def matches(self, text: str, fields: Mapping[str, Any] | None = None) -> bool:
        """Whether a post (its text and optional metadata fields) matches the query."""
        return bool(self._engine.matching(text, fields)[1])

    def explain(self, text: str, fields: Mapping[str, Any] | None = None) -> tuple[list[str], list[Span]] | None:
        """Matched terms and their ``(start, end)`` spans in ``text``; None if the post does not match."""
        post, matched = self._engine.matching(text, fields)
        if not matched:
            return None
        return self._engine.queries[0].explain(post)

    def __repr__(self) -> str:
        return f"compile_query({self.text!r})"


def compile_query(query: str) -> Query:
    """Parse and compile a Brandwatch-style Boolean query; raises QuerySyntaxError with the position."""
    return Query(query, parse_query(query))

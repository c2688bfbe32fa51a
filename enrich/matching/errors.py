"""Exceptions of the matching package. All derive from :class:`MatchingError`."""

from __future__ import annotations


class MatchingError(Exception):
    """Base class for every error raised by ``enrich.matching``."""


class QuerySyntaxError(MatchingError, ValueError):
    """A Boolean query that cannot be compiled. ``position`` is a 0-based character offset into ``query``."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.reason = message
        self.query = query
        self.position = max(0, min(position, len(query)))
        super().__init__(self._render())

    def _render(self) -> str:
        # Show the offending line with a caret, as analysts paste long multi-line queries.
        line_start = self.query.rfind("\n", 0, self.position) + 1
        line_end = self.query.find("\n", self.position)
        if line_end == -1:
            line_end = len(self.query)
        line = self.query[line_start:line_end]
        line_no = self.query.count("\n", 0, self.position) + 1
        col = self.position - line_start
        return f"{self.reason} (line {line_no}, column {col + 1}, position {self.position})\n  {line}\n  {' ' * col}^"


class WatchlistError(MatchingError, ValueError):
    """An invalid watchlist configuration. The message names the source file, the topic and the key."""

    def __init__(self, message: str, source: str = "<string>", topic: str | None = None, key: str | None = None):
        self.source = source
        self.topic = topic
        self.key = key
        where = source
        if topic is not None:
            where += f": topic {topic!r}"
        if key is not None:
            where += f", key {key!r}"
        super().__init__(f"{where}: {message}")

"""The sentiment analyzer interface of :class:`enrich.multilingual.SentimentRouter`.

A runtime-checkable Protocol, kept out of ``enrich.multilingual`` because that module is compiled
with mypyc; ``enrich.multilingual`` re-exports :class:`Analyzer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

__all__ = ["Analyzer"]


@runtime_checkable
class Analyzer(Protocol):
    """Anything with vaderSentiment's ``polarity_scores``. An optional ``name`` attribute is recorded."""

    def polarity_scores(self, text: str) -> Mapping[str, float]: ...

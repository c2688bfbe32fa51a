"""Type stub of the C extension built from enrich/_aho.c (Aho-Corasick over code points)."""

from collections.abc import Iterable
from typing import Any

class Automaton:
    """Aho-Corasick automaton over (non-empty word, value) pairs; immutable once built."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None: ...
    def find(self, text: str, /) -> list[tuple[int, Any]]:
        """Every occurrence of every word: (index of its last character, value), as pyahocorasick's iter."""
    def __len__(self) -> int: ...

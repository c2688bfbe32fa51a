"""VADER 3.3.2 rule constants, taken from the reference module so they can never drift from it."""

from __future__ import annotations

import string

from vaderSentiment import vaderSentiment as _reference

B_INCR: float = float(_reference.B_INCR)
C_INCR: float = float(_reference.C_INCR)
N_SCALAR: float = float(_reference.N_SCALAR)

NEGATE_WORDS: frozenset[str] = frozenset(_reference.NEGATE)
"""Words that negate a following lexicon word (the reference also treats any word containing "n't")."""

# Kept as given (not converted to float): the reference assigns these values as-is, and a few
# SPECIAL_CASES values are ints.
BOOSTER_DICT: dict[str, float] = dict(_reference.BOOSTER_DICT)
SPECIAL_CASES: dict[str, float] = dict(_reference.SPECIAL_CASES)

PUNCTUATION: str = string.punctuation

CONTEXT_WORDS: frozenset[str] = frozenset({"no", "least", "this"})
"""Non-booster, non-negation words that some rule compares a preceding neighbour against.

The others the rules mention ("so", "never", "without", and "or"/"nor"/"at"/"very"/"doubt",
which only matter next to one of those) are boosters, negations or need one nearby.
"""


def _followers(*tables: dict[str, float]) -> dict[str, frozenset[str]]:
    pairs: dict[str, set[str]] = {}
    for table in tables:
        for key in table:
            parts = key.split(" ")
            for first, second in zip(parts, parts[1:], strict=False):
                pairs.setdefault(first, set()).add(second)
    return {first: frozenset(seconds) for first, seconds in pairs.items()}


IDIOM_FOLLOWERS: dict[str, frozenset[str]] = _followers(BOOSTER_DICT, SPECIAL_CASES)
"""word -> words that follow it inside some multi-word SPECIAL_CASES / BOOSTER_DICT key.

Tokens never contain whitespace, so an n-gram of tokens can only equal a multi-word key if its
first two words are such a pair; windows without one are skipped without building strings.
"""

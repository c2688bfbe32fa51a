"""Redaction of personal data from stored text, and keyed hashing of author ids.

Found and replaced by default: e-mail addresses ``[email]``, phone numbers ``[phone]``, payment
card numbers that pass the Luhn check ``[card]`` and Korean resident registration numbers
``[rrn]``. The rules prefer missing an unusual phone format to eating prices, dates, years,
versions or the numeric ids inside URLs (all of which are left alone; see the tests).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from enrich.privacy_config import REDACTION_TOKENS, PrivacyConfig

__all__ = ["PrivacyConfig", "Redactor", "luhn_valid", "REDACTION_TOKENS"]

_Replacement = str | Callable[[re.Match[str]], str]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Every e-mail address has "@", a domain label and a dot; this search (fast: it starts with a literal)
# skips the e-mail rule on posts that only mention @handles.
_EMAIL_HINT = re.compile(r"@[A-Za-z0-9-]+\.")
# Digit groups joined by single spaces or hyphens; the shape test is in _card.
_CARD = re.compile(r"(?<![\w.,/+-])\d(?:[ -]?\d){12,18}(?![\w.,/-]?\d)")
_RRN = re.compile(r"(?<![\w.,/+-])(\d{2})(\d{2})(\d{2})[ -]?([1-8])\d{6}(?![\w-]?\d)")
_PHONE = re.compile(
    r"(?<![\w.,/+-])"
    r"(?:\+\d{1,3}[ .-]?)?"  # country code
    r"(?:\(\d{1,4}\)[ .-]?)?"  # area code in parentheses
    r"\d{1,4}(?:[ .-]\d{1,4}){1,5}"  # separated groups
    r"(?![\w.,/-]?\d)"
    r"|(?<![\w.,/+-])\+\d{8,15}(?!\d)"  # +821012345678
    r"|(?<![\w.,/+-])01[016789]\d{7,8}(?!\d)"  # Korean mobile written without separators
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DATE_START = re.compile(r"^(?:19|20)\d\d[.-](?:0?[1-9]|1[0-2])[.-](?:0?[1-9]|[12]\d|3[01])\b")
# Any personal number has at least 9 digits with at most two separator characters between them;
# one search for that skips the three number rules on almost every post.
_LONG_NUMBER = re.compile(r"\d(?:[ ().+-]{0,2}\d){8,}")
_CARD_GROUPS = re.compile(r"[ -]")
_PHONE_GROUPS = re.compile(r"[ .()-]+")
_DIGIT = re.compile(r"[\d]")
_LONG_NUMBER_DIGITS = 9  # _LONG_NUMBER matches 9 or more \d characters: fewer, and no number rule can apply


def _maybe_decimals(text: str, n: int) -> bool:
    """Without enrich._scan: always True (the regex search decides; a Python loop would cost more)."""
    return True


def _load_has_decimals() -> Callable[[str, int], bool]:
    """``enrich._scan.has_decimals``: whether a text holds at least n ``\\d`` characters."""
    from enrich._compiled import native_module

    _scan = native_module("enrich._scan")
    if _scan is None:
        return _maybe_decimals
    has: Callable[[str, int], bool] = _scan.has_decimals
    return has


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _only_digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _is_card(candidate: str) -> bool:
    digits = _only_digits(candidate)
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return False
    groups = _CARD_GROUPS.split(candidate)
    # Cards are printed in one run or in groups of 4 (Amex 4-6-5); other groupings are ids.
    return len(groups) == 1 or all(3 <= len(g) <= 6 for g in groups)


def _is_rrn(match: re.Match[str]) -> bool:
    month, day = int(match.group(2)), int(match.group(3))
    return 1 <= month <= 12 and 1 <= day <= 31


def _is_phone(candidate: str) -> bool:
    digits = _only_digits(candidate)
    if not 9 <= len(digits) <= 15:
        return False
    if candidate.startswith("+") or (candidate.startswith("01") and candidate.isdigit()):
        return True
    if _IPV4.match(candidate) or _DATE_START.match(candidate):
        return False
    groups = _PHONE_GROUPS.split(candidate.strip("()"))
    groups = [g for g in groups if g]
    separators = set(_DIGIT.sub("", candidate))
    if separators <= {"."} and all(len(g) == 3 for g in groups[1:]):
        return False  # 129.999.000: a number with thousands separators
    if separators <= {" "} and not candidate.startswith("0"):
        return False  # runs of numbers in prose (years, scores); national formats start with 0
    if "(" not in candidate and len(groups[-1]) < 3:
        return False
    return True


class Redactor:
    """Applies a :class:`PrivacyConfig` to post text and author ids."""

    def __init__(self, config: PrivacyConfig | None = None) -> None:
        self.config = config or PrivacyConfig()
        kinds = self.config.redact_kinds if self.config.redact_text else frozenset()
        # The email token is a plain replacement string (no backslashes): re.sub copies it as is.
        self._email: str | None = REDACTION_TOKENS["email"] if "email" in kinds else None
        self._numbers = [
            self._number_rule(kind) for kind in ("card", "rrn", "phone") if kind in kinds
        ]  # cards first: 15-digit Amex numbers would also fit the phone shape
        self._hash_key: bytes | None = self.config.hash_key if self.config.hash_author_ids else None
        self._hash_chars = self.config.hash_hex_chars
        # A C scan when built: the number rules' regex search costs ~1.7 µs a post, and ~99 % of
        # posts do not have the nine digits it needs.
        self._has_decimals = _load_has_decimals()

    def redact(self, text: str) -> str:
        """Return ``text`` with the configured kinds of personal data replaced by tokens."""
        if self._email is not None and "@" in text and _EMAIL_HINT.search(text):
            text = self._outside_urls(text, _EMAIL, self._email)
        if self._numbers and self._has_decimals(text, _LONG_NUMBER_DIGITS) and _LONG_NUMBER.search(text):
            for pattern, replace in self._numbers:
                text = self._outside_urls(text, pattern, replace)
        return text

    def author_id(self, author_id: str | None) -> str | None:
        """The id unchanged, or its keyed HMAC-SHA256 (truncated hex) when hashing is on."""
        if author_id is None or self._hash_key is None:
            return author_id
        return hmac.digest(self._hash_key, author_id.encode("utf-8"), "sha256").hex()[: self._hash_chars]

    @staticmethod
    def _number_rule(kind: str) -> tuple[re.Pattern[str], Callable[[re.Match[str]], str]]:
        token = REDACTION_TOKENS[kind]
        if kind == "card":
            return _CARD, lambda m: token if _is_card(m.group(0)) else m.group(0)
        if kind == "rrn":
            return _RRN, lambda m: token if _is_rrn(m) else m.group(0)
        return _PHONE, lambda m: token if _is_phone(m.group(0)) else m.group(0)

    @staticmethod
    def _outside_urls(text: str, pattern: re.Pattern[str], replace: _Replacement) -> str:
        if "http" not in text and "www." not in text:
            return pattern.sub(replace, text)
        # Numeric ids inside links (status/1234567890123) are not personal data of the poster.
        out: list[str] = []
        pos = 0
        for url in _URL.finditer(text):
            out.append(pattern.sub(replace, text[pos : url.start()]))
            out.append(url.group(0))
            pos = url.end()
        out.append(pattern.sub(replace, text[pos:]))
        return "".join(out)

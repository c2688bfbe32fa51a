"""Privacy: redaction of e-mails, phones, cards and Korean RRNs, and keyed author-id hashing."""

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from enrich.privacy import PrivacyConfig, Redactor, luhn_valid

KEY = b"0123456789abcdef-secret"


@pytest.fixture(scope="module")
def r() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at john.doe+x@example.co.uk please", "mail me at [email] please"),
        ("문의: help@samsung.com 으로", "문의: [email] 으로"),
        ("call 010-1234-5678 now", "call [phone] now"),
        ("전화 01012345678 주세요", "전화 [phone] 주세요"),
        ("010.1234.5678", "[phone]"),
        ("010 1234 5678 로 연락", "[phone] 로 연락"),
        ("+82 10-1234-5678", "[phone]"),
        ("+821012345678", "[phone]"),
        ("02-123-4567", "[phone]"),
        ("+1 (555) 123-4567", "[phone]"),
        ("(555) 123-4567", "[phone]"),
        ("1-800-555-0199", "[phone]"),
        ("+44 20 7946 0958", "[phone]"),
        ("card 4111 1111 1111 1111 ok", "card [card] ok"),
        ("4111-1111-1111-1111", "[card]"),
        ("amex 3782 822463 10005", "amex [card]"),
        ("주민번호 900101-1234567", "주민번호 [rrn]"),
        ("a@b.io and 010-9999-8888", "[email] and [phone]"),
    ],
)
def test_personal_data_is_redacted(r: Redactor, text: str, expected: str) -> None:
    assert r.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3 and 10.15.7",
        "iOS 17.4.1 is out",
        "in 2023 2024 2025",
        "from 2019-2024",
        "price $1,299.99",
        "1,299,000원",
        "1.299.000원",
        "129.999.000",
        "date 2024-01-15",
        "15.01.2024",
        "2024.01.15 10:30",
        "https://twitter.com/x/status/1234567890123456789",
        "https://example.com/u/010-1234-5678",
        "IP 192.168.100.200",
        "order #12345678901",
        "score 3-1 and 2-2",
        "ISBN 978-3-16-148410-0",
        "not a card 4111 1111 1111 1112",
        "@handle and #hashtag",
        "13-14 May",
        "",
    ],
)
def test_no_false_positives(r: Redactor, text: str) -> None:
    assert r.redact(text) == text


def test_invalid_rrn_date_is_kept(r: Redactor) -> None:
    assert r.redact("901399-1234567") == "901399-1234567"


def test_redaction_can_be_turned_off() -> None:
    text = "a@b.io 010-1234-5678"
    assert Redactor(PrivacyConfig(redact_text=False)).redact(text) == text


def test_redaction_kinds_are_selectable() -> None:
    only_email = Redactor(PrivacyConfig(redact_kinds=frozenset({"email"})))
    assert only_email.redact("a@b.io 010-1234-5678") == "[email] 010-1234-5678"


def test_author_ids_unchanged_by_default(r: Redactor) -> None:
    assert r.author_id("12345") == "12345"
    assert r.author_id(None) is None


def test_author_ids_keyed_hash() -> None:
    red = Redactor(PrivacyConfig(hash_author_ids=True, hash_key=KEY))
    hashed = red.author_id("12345")
    assert hashed == hmac.new(KEY, b"12345", hashlib.sha256).hexdigest()[:32]
    assert red.author_id("12345") == hashed  # stable, so one author's posts still group
    assert red.author_id("12346") != hashed
    assert red.author_id(None) is None
    other_key = Redactor(PrivacyConfig(hash_author_ids=True, hash_key=KEY + b"x"))
    assert other_key.author_id("12345") != hashed


def test_hash_length_configurable() -> None:
    red = Redactor(PrivacyConfig(hash_author_ids=True, hash_key=KEY, hash_hex_chars=16))
    assert len(red.author_id("abc") or "") == 16


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hash_author_ids": True},
        {"hash_author_ids": True, "hash_key": b"short"},
        {"redact_kinds": frozenset({"ssn"})},
    ],
)
def test_invalid_config(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        PrivacyConfig(**kwargs)  # type: ignore[arg-type]


def test_key_not_in_repr() -> None:
    assert "secret" not in repr(PrivacyConfig(hash_author_ids=True, hash_key=KEY))


@pytest.mark.parametrize(
    ("digits", "valid"), [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True)]
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid

"""Authentication of webhook requests: an HMAC-SHA256 signature of the raw body, or a bearer token.

HMAC scheme (GitHub/Meta ``X-Hub-Signature-256``, with an optional Slack/Stripe-style timestamp):

* ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, signed_payload)>``
* without ``X-Earshot-Timestamp``: ``signed_payload`` = the raw request body (what GitHub sends);
* with ``X-Earshot-Timestamp: <unix seconds>``: ``signed_payload`` = ``"<ts>." + body``, and the
  request is refused when ``ts`` is more than ``max_skew_s`` (300 s) away from the receiver's clock,
  so a captured request cannot be replayed later. ``require_timestamp`` makes the header mandatory.

Token scheme: ``Authorization: Bearer <secret>``.

Every comparison is constant-time (:func:`hmac.compare_digest`); failures never reveal the
expected value.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Earshot-Timestamp"
MODES = ("none", "hmac-sha256", "token")


class AuthFailed(Exception):
    """The request is not authenticated; ``reason`` is missing, invalid or expired (safe to log)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def sign(secret: str | bytes, body: bytes, timestamp: int | str | None = None) -> str:
    """The ``X-Hub-Signature-256`` value for ``body`` (and ``timestamp`` when given): ``sha256=<hex>``."""
    key = secret.encode() if isinstance(secret, str) else secret
    payload = body if timestamp is None else f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(key, payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookAuth:
    """How the receiver authenticates ``POST /mentions`` (``mode`` none, hmac-sha256 or token)."""

    mode: str = "none"
    secret: bytes | None = field(default=None, repr=False)
    max_skew_s: float = 300.0
    require_timestamp: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"EARSHOT_WEBHOOK_AUTH must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode != "none" and not self.secret:
            raise ValueError(f"EARSHOT_WEBHOOK_AUTH={self.mode} needs EARSHOT_WEBHOOK_SECRET")

    @classmethod
    def from_settings(cls, settings: object) -> WebhookAuth:
        """From ``EARSHOT_WEBHOOK_*``; default mode hmac-sha256 with a secret, else none (logged at WARNING)."""
        secret: str | None = getattr(settings, "webhook_secret", None)
        mode = getattr(settings, "webhook_auth", None) or ("hmac-sha256" if secret else "none")
        auth = cls(mode=mode, secret=secret.encode() if secret else None,
                   max_skew_s=getattr(settings, "webhook_max_skew_s", 300.0),
                   require_timestamp=getattr(settings, "webhook_require_timestamp", False))
        if auth.mode == "none":
            log.warning("webhook authentication is OFF: anyone who can reach the receiver can publish mentions "
                        "(set EARSHOT_WEBHOOK_SECRET)")
        return auth

    def verify(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> None:
        """Raise :class:`AuthFailed` unless the request is authenticated (headers: case-insensitive mapping)."""
        if self.mode == "none":
            return
        assert self.secret is not None
        if self.mode == "token":
            value = headers.get("Authorization", "")
            scheme, _, token = value.partition(" ")
            if not value:
                raise AuthFailed("missing", "missing Authorization: Bearer header")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.secret):
                raise AuthFailed("invalid", "invalid bearer token")
            return
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            raise AuthFailed("missing", f"missing {SIGNATURE_HEADER} header")
        timestamp = headers.get(TIMESTAMP_HEADER)
        if timestamp is None and self.require_timestamp:
            raise AuthFailed("missing", f"missing {TIMESTAMP_HEADER} header")
        if timestamp is not None:
            try:
                ts = int(timestamp.strip())
            except ValueError:
                raise AuthFailed("invalid", f"{TIMESTAMP_HEADER} must be unix seconds") from None
            if abs((time.time() if now is None else now) - ts) > self.max_skew_s:
                raise AuthFailed("expired", f"{TIMESTAMP_HEADER} is outside the accepted window")
        expected = sign(self.secret, body, timestamp.strip() if timestamp is not None else None)
        if not hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
            raise AuthFailed("invalid", "invalid signature")

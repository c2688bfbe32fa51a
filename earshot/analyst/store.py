"""Where analyst queries run: a ClickHouse-HTTP endpoint or a store opened directly.

chdb lets one process own a data directory, so while a worker runs on the embedded store the
worker serves read-only SQL over HTTP (``pipeline.query_server``) and queries go there. The same
HTTP client works against a ClickHouse server's own HTTP port (e.g. as the read-only ``analyst``
user). Results come back typed as :meth:`sinks.backends.ClickHouseBackend.query` returns them, whatever
the route: ``JSONCompact`` carries the column types, which :func:`sinks.backends.parse_rows` applies.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from earshot.analyst.errors import QueryFailed, StoreUnavailable
from earshot.settings import Settings
from sinks.backends import ClickHouseBackend

Rows = list[dict[str, Any]]


class Store(Protocol):
    """Something that runs one read-only statement and returns typed rows."""

    description: str

    def rows(self, sql: str) -> Rows: ...

    def close(self) -> None: ...


class HttpStore:
    """A ClickHouse-HTTP-compatible endpoint: a worker's query endpoint or a ClickHouse server.

    ``http://user:password@host:port/?database=earshot``: credentials go in ClickHouse's
    ``X-ClickHouse-User``/``X-ClickHouse-Key`` headers, URL parameters are passed through.
    """

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise QueryFailed(f"not an http(s) URL: {url!r}")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.base = f"{parts.scheme}://{netloc}{parts.path or '/'}"
        self.params = dict(urllib.parse.parse_qsl(parts.query))
        self.headers: dict[str, str] = {}
        if parts.username:
            self.headers["X-ClickHouse-User"] = unquote(parts.username)
            self.headers["X-ClickHouse-Key"] = unquote(parts.password or "")
        self.timeout = timeout
        self.description = f"{parts.scheme}://{netloc}/"

    def ping(self, timeout: float = 2.0) -> bool:
        """True if ``/ping`` answers (both the worker endpoint and ClickHouse serve it)."""
        url = self.base.rstrip("/") + "/ping"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def rows(self, sql: str) -> Rows:
        from sinks.backends import parse_rows

        query = urllib.parse.urlencode({**self.params, "default_format": "JSONCompact"})
        req = urllib.request.Request(f"{self.base}?{query}", data=sql.encode(), method="POST", headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            message = exc.read().decode(errors="replace").strip().split("Stack trace:", 1)[0].strip()
            raise QueryFailed(message or f"HTTP {exc.code}") from None
        except OSError as exc:
            raise StoreUnavailable(f"query endpoint {self.description} unreachable: {exc}") from None
        if not body.strip():
            return []
        doc = json.loads(body)
        return parse_rows([m["name"] for m in doc["meta"]], [m["type"] for m in doc["meta"]], doc["data"])

    def close(self) -> None:
        pass


class BackendStore:
    """A store opened directly (``chdb://`` or ``clickhouse://``); only read statements are sent."""

    def __init__(self, backend: ClickHouseBackend, owned: bool = False) -> None:
        self.backend = backend
        self.owned = owned
        self.description = repr(backend)

    @classmethod
    def open(cls, url: str) -> BackendStore:
        """Open ``url`` (closed again by :meth:`close`)."""
        from sinks.backends import open_backend
        from sinks.errors import SinkError

        parts = urlsplit(url)
        if parts.scheme == "chdb" and not Path(unquote(parts.netloc + parts.path)).exists():
            # opening would create an empty store; say where we looked instead
            raise StoreUnavailable(f"no embedded store at {url} (start a worker, or set EARSHOT_CLICKHOUSE_URL)")
        try:
            return cls(open_backend(url), owned=True)
        except SinkError as exc:
            raise StoreUnavailable(f"cannot open {url}: {exc}") from None

    def rows(self, sql: str) -> Rows:
        from pipeline.query_server import ReadOnlyViolation, check_read_only
        from sinks.errors import SinkError, SinkUnavailable

        try:
            return list(self.backend.query(check_read_only(sql)))
        except ReadOnlyViolation as exc:
            raise QueryFailed(str(exc)) from None
        except SinkUnavailable as exc:
            raise StoreUnavailable(str(exc)) from None
        except SinkError as exc:
            raise QueryFailed(str(exc)) from None

    def close(self) -> None:
        if self.owned:
            self.backend.close()


def open_store(settings: Settings, url: str | None = None) -> Store:
    """The store for ``url`` (http(s), chdb or clickhouse URL); without one, the worker's query
    endpoint when it answers, else the configured ``clickhouse_url`` opened directly."""
    if url:
        if url.startswith(("http://", "https://")):
            return HttpStore(url)
        return BackendStore.open(url)
    endpoint = HttpStore(f"http://{settings.query_http_host}:{settings.query_http_port}/")
    if endpoint.ping():
        return endpoint
    return BackendStore.open(settings.clickhouse_url)



"""Read-only SQL over HTTP for the embedded store, in ClickHouse's HTTP dialect.

chdb lets one process own a data directory. The worker that owns it serves this endpoint so
analysts (``earshot query``, curl, clickhouse-connect) can query while the pipeline runs::

    curl 'http://127.0.0.1:8124/?query=SELECT+count()+FROM+mentions'
    curl --data-binary 'SELECT platform, count() FROM mentions GROUP BY platform FORMAT JSON' http://127.0.0.1:8124/

Supported: ``GET /ping``, ``GET|POST /`` with ``query`` (URL parameter and/or body, concatenated
as ClickHouse does), ``default_format``, a ``FORMAT`` clause in the SQL. Only one read statement
per request (SELECT, WITH, SHOW, DESCRIBE, EXISTS, EXPLAIN); anything else is refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

READ_STATEMENT = re.compile(r"^\s*(\(\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS|EXPLAIN)\b", re.IGNORECASE)
FORMAT_CLAUSE = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$", re.IGNORECASE)
BACKEND_KEY = web.AppKey("backend", object)
LOCK_KEY = web.AppKey("lock", asyncio.Lock)


class ReadOnlyViolation(ValueError):
    """The request tried something other than one read statement."""


def check_read_only(sql: str) -> str:
    """Return the statement without a trailing ``;``; raise :class:`ReadOnlyViolation` otherwise."""
    stripped = sql.strip().rstrip(";").strip()
    if not stripped:
        raise ReadOnlyViolation("empty query")
    if not READ_STATEMENT.match(stripped):
        raise ReadOnlyViolation("only SELECT, WITH, SHOW, DESCRIBE, EXISTS and EXPLAIN are allowed (readonly)")
    if ";" in _without_strings(stripped):
        raise ReadOnlyViolation("multi-statement queries are not allowed")
    return stripped


def _without_strings(sql: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", "''", sql)


async def handle_query(request: web.Request) -> web.Response:
    sql = request.query.get("query", "")
    if request.method == "POST":
        body = (await request.read()).decode("utf-8", "replace")
        sql = f"{sql}\n{body}" if sql else body
    try:
        sql = check_read_only(sql)
    except ReadOnlyViolation as exc:
        return web.Response(status=403, text=f"Code: 164. DB::Exception: {exc}\n")
    match = FORMAT_CLAUSE.search(sql)
    fmt = match.group(1) if match else request.query.get("default_format", "TabSeparated")
    backend: Any = request.app[BACKEND_KEY]
    loop = asyncio.get_running_loop()
    try:
        async with request.app[LOCK_KEY]:
            data = await loop.run_in_executor(None, backend.query_format, sql, fmt)
    except Exception as exc:
        return web.Response(status=400, text=f"Code: 62. DB::Exception: {exc}\n")
    return web.Response(body=data, headers={"X-ClickHouse-Format": fmt, "Content-Type": "text/plain; charset=UTF-8"})


async def ping(_request: web.Request) -> web.Response:
    return web.Response(text="Ok.\n")


def create_query_app(backend: Any) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[BACKEND_KEY] = backend
    app[LOCK_KEY] = asyncio.Lock()
    app.router.add_get("/ping", ping)
    app.router.add_route("GET", "/", handle_query)
    app.router.add_route("POST", "/", handle_query)
    return app


async def start_query_server(backend: Any, host: str, port: int) -> web.AppRunner:
    """Start serving in the running loop; the caller keeps the runner and cleans it up."""
    runner = web.AppRunner(create_query_app(backend), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("read-only query endpoint on http://%s:%d/", host, port)
    return runner

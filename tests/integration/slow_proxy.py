"""A TCP proxy that makes a real server slow on demand (for backpressure tests).

    with SlowProxy(upstream_port=server.tcp_port) as proxy:   # listens on 127.0.0.1:proxy.port
        proxy.slow(delay_s=0.2, bytes_per_s=500_000)         # every chunk waits, bandwidth capped
        ...
        proxy.fast()                                          # back to plain forwarding

It forwards bytes unchanged in both directions (any protocol: the ClickHouse native protocol
here), so the client sees a slow server, not a broken one: no connection is dropped and no byte
is lost. Slowness applies per chunk read (up to 64 KiB): ``delay_s`` before forwarding it, then
``len(chunk) / bytes_per_s`` more. The settings are read for every chunk, so switching takes effect
at once on open connections. Runs its own event loop in a daemon thread; ``close()`` stops it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType

CHUNK = 64 * 1024


class SlowProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay_s = 0.0
        self.bytes_per_s: float | None = None
        self.forwarded = 0
        """Bytes forwarded so far (both directions)."""
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(target=self._run, name="slow-proxy", daemon=True)
        started = threading.Event()
        self._started = started
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("slow proxy did not start")

    def slow(self, delay_s: float = 0.0, bytes_per_s: float | None = None) -> None:
        self.delay_s, self.bytes_per_s = delay_s, bytes_per_s

    def fast(self) -> None:
        self.slow(0.0, None)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, sock=self._sock)
            self._started.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                w.close()
            self._tasks.discard(task)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                chunk = await reader.read(CHUNK)
                if not chunk:
                    break
                pause = self.delay_s
                if self.bytes_per_s:
                    pause += len(chunk) / self.bytes_per_s
                if pause > 0:
                    await asyncio.sleep(pause)
                writer.write(chunk)
                await writer.drain()
                self.forwarded += len(chunk)
        except (ConnectionError, OSError):
            pass
        finally:
            if writer.can_write_eof():
                try:
                    writer.write_eof()
                except OSError:
                    pass

    def close(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> SlowProxy:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

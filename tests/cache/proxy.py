"""A TCP proxy in front of an API server that a test can pause and cut: how an informer is made
to miss changes on a server it cannot inject faults into (the real one).

``pause()`` stops passing the server's bytes on (the client's watch goes silent, as behind a
stalled network); ``cut()`` closes every connection (the client reconnects and resumes from its
last resourceVersion); ``resume()`` lets bytes flow again. TLS passes through untouched: the
server's certificate names 127.0.0.1, which is where the proxy listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from types import TracebackType
from urllib.parse import urlsplit

from kubeflow_informer.config import Config

__all__ = ["PausableProxy"]


class PausableProxy:
    """``async with PausableProxy(config) as proxy:`` - ``proxy.config`` reaches the server
    through it. Every connection's two pumps are owned and awaited on exit."""

    def __init__(self, config: Config) -> None:
        target = urlsplit(config.server)
        self._scheme = target.scheme
        self._target = (target.hostname or "127.0.0.1", target.port or 443)
        self._upstream = config
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    @property
    def config(self) -> Config:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return dataclasses.replace(self._upstream, server=f"{self._scheme}://127.0.0.1:{port}")

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def cut(self) -> None:
        """Close every open connection, in both directions."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def __aenter__(self) -> PausableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        self.cut()
        for task in list(self._pumps):
            task.cancel()
        for task in list(self._pumps):
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task
        await self._server.wait_closed()

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        for pump in (self._pump(client_reader, server_writer, paused=False),
                     self._pump(server_reader, client_writer, paused=True)):
            task = asyncio.create_task(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                    paused: bool) -> None:
        try:
            while data := await reader.read(65536):
                if paused:
                    await self._flowing.wait()
                if writer.transport.is_closing():
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)

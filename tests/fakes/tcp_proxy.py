"""A TCP proxy on 127.0.0.1 that can break the line: database outages without touching the shared database.

Put it between the server and PostgreSQL, then:
- `cut()` closes every open connection both ways at once (as a restarted server or a reset path does) and
  closes every new one straight after accepting it, so clients see the failure at once;
- `stall()` keeps every connection open but lets no byte through, as a network partition does: clients
  hear nothing at all and must rely on their own timeouts;
- `restore()` lets traffic flow again (bytes held during a stall are delivered, as TCP would retransmit them).
"""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.refused = 0  # connections closed on arrival because the line was cut
        self._refusing = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()  # both ends of every forwarded connection
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the proxy first"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        return len(self._writers) // 2

    def cut(self) -> None:
        """Drop every connection now, without flushing (data in flight is lost), and refuse new ones."""
        self._refusing = True
        self._flowing.set()  # wake stalled pipes and arrivals: they see the cut and close
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def stall(self) -> None:
        """Let nothing through, close nothing: reads and writes on either side wait for `restore()`."""
        self._refusing = False
        self._flowing.clear()

    def restore(self) -> None:
        self._refusing = False
        self._flowing.set()

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        await self._flowing.wait()  # a stalled line: the client's connect hears nothing back
        if self._refusing:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        if self._refusing:  # cut while we were connecting upstream
            self.refused += 1
            upstream_writer.transport.abort()
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, upstream_writer}
        for reader, writer in ((client_reader, upstream_writer), (upstream_reader, client_writer)):
            task = asyncio.get_running_loop().create_task(self._pipe(reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction until EOF or a cut; then close this side so the other pipe ends too."""
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                if writer.is_closing():
                    break
                writer.write(data)
                await writer.drain()
        self._writers.discard(writer)
        if not writer.is_closing():
            writer.close()

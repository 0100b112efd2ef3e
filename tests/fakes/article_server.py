"""An HTTP server on 127.0.0.1 serving article pages and hostile bodies, counting requests."""

import asyncio
import gzip
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip body of zeros that inflates to `inflated_bytes` (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated_bytes >> 20)]
    return b"".join(parts) + compressor.flush()


class ArticleServer:
    """Routes: the seed pages, plain text, a PDF, an image, bombs, trickles and redirects."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.queries: dict[str, list[str]] = {}
        self.app = web.Application(middlewares=[self._count])
        self.routes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        for path in sorted(SEEDS.glob("*.html")):
            self.add_page(f"/{path.stem}", path.read_bytes(), "text/html; charset=utf-8")
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    def add_page(
        self, path: str, body: bytes, content_type: str, *, delay: float = 0.0, **headers: str
    ) -> None:
        """Serve `body` at `path` with a content type and extra headers, after `delay` s."""

        async def handler(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(delay)
            return web.Response(body=body, headers={"Content-Type": content_type, **headers})

        self.routes[path] = handler

    def add_handler(self, path: str, handler: Handler) -> None:
        """Serve `path` with a custom handler."""
        self.routes[path] = handler

    def url(self, path: str) -> str:
        """The full URL of `path` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def __aenter__(self) -> "ArticleServer":
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.queries.setdefault(request.path, []).append(request.query_string)
        return await handler(request)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)


def gzip_page(text: str) -> bytes:
    """A small gzip-compressed page."""
    return gzip.compress(text.encode("utf-8"))


async def trickle(request: web.Request, *, delay: float = 0.3) -> web.StreamResponse:
    """Send a page one byte at a time, forever."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    while True:
        await response.write(b"a")
        await asyncio.sleep(delay)


class ConnectionCounter:
    """A bare TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> "ConnectionCounter":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

"""The fetcher against a real local server (127.0.0.1 only) and stub resolvers and transports."""

import ipaddress
import socket
import threading
import tracemalloc
import zlib

import httpx
import pytest
from aiohttp import web

from analysis import AddressPolicy, AnalysisError, ErrorCode, FetchPolicy, fetch_page
from analysis.fetch.policy import IPAddress
from analysis.fetch.transport import (
    DNS_EXECUTOR,
    DNS_THREADS,
    PinnedTransport,
    system_resolver,
)
from tests.fakes.article_server import (
    ArticleServer,
    ConnectionCounter,
    gzip_bomb,
    gzip_page,
    trickle,
)

LOCAL = FetchPolicy(timeout=3, addresses=AddressPolicy.from_list("127.0.0.1"))
PAGE = "<html><head><title>T</title></head><body><p>Hello there.</p></body></html>"


async def test_page_on_loopback_is_fetched_when_allowed() -> None:
    async with ArticleServer() as server:
        server.add_page("/a", PAGE.encode(), "text/html; charset=utf-8")
        page = await fetch_page(server.url("/a"), LOCAL)
    assert page.media_type == "text/html"
    assert page.charset == "utf-8"
    assert b"Hello there." in page.body
    assert page.url == server.url("/a")


async def test_loopback_is_refused_without_allow_and_never_connected() -> None:
    async with ConnectionCounter() as listener:
        for host in (
            "127.0.0.1",
            "2130706433",
            "0x7f.1",
            "127.1",
            "[::ffff:127.0.0.1]",
            "localhost",
        ):
            with pytest.raises(AnalysisError) as caught:
                await fetch_page(f"http://{host}:{listener.port}/", FetchPolicy(timeout=3))
            assert caught.value.code is ErrorCode.BLOCKED_ADDRESS, host
    assert listener.connections == 0


async def test_gzip_page_is_decoded() -> None:
    async with ArticleServer() as server:
        server.add_page("/z", gzip_page(PAGE), "text/html", **{"Content-Encoding": "gzip"})
        page = await fetch_page(server.url("/z"), LOCAL)
    assert b"Hello there." in page.body


async def test_gzip_bomb_is_stopped_without_inflating_it() -> None:
    bomb = gzip_bomb(256 << 20)
    policy = FetchPolicy(timeout=10, max_bytes=5_000_000, addresses=LOCAL.addresses)
    async with ArticleServer() as server:
        server.add_page("/bomb", bomb, "text/html", **{"Content-Encoding": "gzip"})
        tracemalloc.start()
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/bomb"), policy)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert caught.value.code is ErrorCode.TOO_LARGE
    assert peak < 40_000_000, f"peak allocation {peak} bytes"


async def test_deflate_bomb_is_stopped() -> None:
    bomb = zlib.compress(bytes(64 << 20), 9)
    policy = FetchPolicy(timeout=10, max_bytes=1_000_000, addresses=LOCAL.addresses)
    async with ArticleServer() as server:
        server.add_page("/deflate", bomb, "text/html", **{"Content-Encoding": "deflate"})
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/deflate"), policy)
    assert caught.value.code is ErrorCode.TOO_LARGE


async def test_declared_oversize_body_is_refused_before_reading() -> None:
    async with ArticleServer() as server:
        server.add_page("/big", bytes(2_000_000), "text/html")
        policy = FetchPolicy(timeout=5, max_bytes=1_000_000, addresses=LOCAL.addresses)
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/big"), policy)
    assert caught.value.code is ErrorCode.TOO_LARGE


async def test_trickling_server_hits_the_overall_deadline() -> None:
    async with ArticleServer() as server:
        server.add_handler("/slow", trickle)
        policy = FetchPolicy(timeout=1.0, addresses=LOCAL.addresses)
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/slow"), policy)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert "1 seconds" in caught.value.message


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"%PDF-1.7\n%binary", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"%PDF-1.4 served as a web page", "text/html"),
        (b"\x00\x01\x02garbage", ""),
    ],
)
async def test_non_article_types_are_refused(body: bytes, content_type: str) -> None:
    async with ArticleServer() as server:
        server.add_page("/file", body, content_type)
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/file"), LOCAL)
    assert caught.value.code is ErrorCode.UNSUPPORTED_TYPE
    assert "not an article" in caught.value.message


async def test_http_error_status_is_reported() -> None:
    async with ArticleServer() as server:
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/missing"), LOCAL)
    assert caught.value.code is ErrorCode.HTTP_STATUS
    assert "404" in caught.value.message


async def test_redirects_are_followed_and_capped() -> None:
    async with ArticleServer() as server:
        server.add_page("/final", PAGE.encode(), "text/html")
        for hop in range(7):
            target = "/final" if hop == 0 else f"/hop{hop - 1}"
            server.add_handler(f"/hop{hop}", _redirect(target))
        page = await fetch_page(server.url("/hop3"), LOCAL)
        assert page.url == server.url("/final")
        with pytest.raises(AnalysisError) as caught:
            await fetch_page(server.url("/hop6"), LOCAL)
    assert caught.value.code is ErrorCode.TOO_MANY_REDIRECTS


async def test_redirect_to_a_private_address_is_refused_before_connecting() -> None:
    async with ArticleServer() as server, ConnectionCounter() as listener:
        server.add_handler("/jump", _redirect(f"http://127.0.0.2:{listener.port}/secret"))
        server.add_handler("/meta", _redirect("http://169.254.169.254/latest/meta-data/"))
        for path in ("/jump", "/meta"):
            with pytest.raises(AnalysisError) as caught:
                await fetch_page(server.url(path), LOCAL)
            assert caught.value.code is ErrorCode.BLOCKED_ADDRESS
    assert listener.connections == 0


class RecordingTransport(httpx.AsyncBaseTransport):
    """A transport that records what it was asked to connect to and answers a page."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            200, headers={"Content-Type": "text/html"}, stream=httpx.ByteStream(PAGE.encode())
        )


def _resolver(*answers: list[str]):
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[IPAddress]:
        index = min(len(calls), len(answers) - 1)
        calls.append(host)
        return [ipaddress.ip_address(a) for a in answers[index]]

    return resolve, calls


@pytest.mark.parametrize(
    "private",
    ["10.0.0.5", "192.168.0.10", "169.254.169.254", "100.100.100.200", "fd00:ec2::254", "::1"],
)
async def test_public_name_resolving_to_private_is_refused(private: str) -> None:
    transport = RecordingTransport()
    resolve, _ = _resolver([private])
    with pytest.raises(AnalysisError) as caught:
        await fetch_page("http://news.example.com/a", resolver=resolve, transport=transport)
    assert caught.value.code is ErrorCode.BLOCKED_ADDRESS
    assert transport.requests == []


async def test_name_with_one_private_address_among_public_ones_is_refused() -> None:
    transport = RecordingTransport()
    resolve, _ = _resolver(["93.184.216.34", "10.0.0.1"])
    with pytest.raises(AnalysisError):
        await fetch_page("http://news.example.com/a", resolver=resolve, transport=transport)
    assert transport.requests == []


async def test_connection_is_pinned_to_the_checked_address() -> None:
    """DNS rebinding: a resolver that answers public first and private later never wins."""
    transport = RecordingTransport()
    resolve, calls = _resolver(["93.184.216.34"], ["127.0.0.1"])
    page = await fetch_page("https://news.example.com/a?b=1", resolver=resolve, transport=transport)
    assert len(calls) == 1
    (request,) = transport.requests
    assert request.url.host == "93.184.216.34"
    assert request.url.path == "/a" and request.url.query == b"b=1"
    assert request.headers["Host"] == "news.example.com"
    assert request.extensions["sni_hostname"] == "news.example.com"
    assert page.url == "https://news.example.com/a?b=1"


async def test_unknown_name_is_a_dns_failure() -> None:
    async def no_answer(host: str, port: int) -> list[IPAddress]:
        return []

    with pytest.raises(AnalysisError) as caught:
        await fetch_page(
            "http://nowhere.invalid/", resolver=no_answer, transport=RecordingTransport()
        )
    assert caught.value.code is ErrorCode.DNS_FAILURE


def _redirect(location: str):
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": location})

    return handler


async def test_item_16_an_international_name_is_looked_up_and_sent_in_ascii() -> None:
    """Issue 12, item 16: the `xn--` form (IDNA 2008), never IDNA 2003 nor raw Unicode."""
    looked_up: list[str] = []
    seen: list[httpx.Request] = []

    async def resolver(host: str, port: int):
        looked_up.append(host)
        return [ipaddress.ip_address("93.184.216.34")]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = PinnedTransport(httpx.MockTransport(handler), AddressPolicy(), resolver)
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("https://faß.example/")
    assert looked_up == ["xn--fa-hia.example"]
    assert seen[0].headers["Host"] == "xn--fa-hia.example"
    assert seen[0].extensions["sni_hostname"] == "xn--fa-hia.example"


async def test_item_8_lookups_run_on_their_own_bounded_threads(monkeypatch) -> None:
    """Issue 12, item 8: DNS never shares asyncio's default executor (no lookup is sent)."""
    threads: list[str] = []

    def fake_getaddrinfo(host, port, type=0):
        threads.append(threading.current_thread().name)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    addresses = await system_resolver("news.example", 443)
    assert addresses == [ipaddress.ip_address("93.184.216.34")]
    assert threads and threads[0].startswith("sourcecheck-dns")
    assert DNS_EXECUTOR._max_workers == DNS_THREADS

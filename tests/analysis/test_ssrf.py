"""The SSRF suite: every URL form a user could post to reach an inside address, refused.

Each case goes through the real fetcher (`fetch_page`) with a stub resolver and a guard
transport. The guard passes requests for 127.0.0.1 and ::1 on to a real transport, so a
policy hole would reach the counting listeners; it answers canned pages for the one public
address the stub resolver hands out; and it records, without connecting, a request for any
other address (private, link-local, CGNAT, metadata: never contacted from these machines).
Every case must end with the expected error, zero listener connections and zero recorded
attempts.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

import httpx
import pytest

from analysis import AnalysisError, ErrorCode
from analysis.fetch import AddressPolicy, FetchPolicy, fetch_page
from analysis.fetch.policy import IPAddress

PUBLIC = "93.184.216.34"
BLOCKED = ErrorCode.BLOCKED_ADDRESS
INVALID = ErrorCode.INVALID_URL

# name -> the answers of successive lookups (the last one repeats)
DNS: dict[str, list[list[str]]] = {
    "localhost": [["127.0.0.1", "::1"]],
    "127.0.0.1.nip.io": [["127.0.0.1"]],
    "internal.example": [["10.0.0.5"]],
    "metadata.google.internal": [["169.254.169.254"]],
    "cgnat.example": [["100.64.1.1"]],
    "ula.example": [["fd00:ec2::254"]],
    "mixed.example": [[PUBLIC, "10.0.0.1"]],
    "public.example": [[PUBLIC]],
    "rebind.example": [[PUBLIC], ["127.0.0.1"]],
}

# path on the public address -> where it redirects
REDIRECTS = {
    "/to-loopback": "http://127.0.0.1:{port}/",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    "/to-mapped-private": "http://[::ffff:10.0.0.1]/",
    "/hop1": "/hop2",
    "/hop2": "http://internal.example/admin",
    "/to-file": "file:///etc/passwd",
    "/to-gopher": "gopher://127.0.0.1:{port}/_stats",
    "/to-decimal": "http://2130706433:{port}/",
    "/to-rebind": "http://rebind.example/second",
}

CASES: list[tuple[str, ErrorCode | None]] = [
    # loopback, in every spelling a browser accepts (a hole would reach the listener)
    ("http://127.0.0.1:{port}/", BLOCKED),
    ("http://2130706433:{port}/", BLOCKED),
    ("http://017700000001:{port}/", BLOCKED),
    ("http://0x7f.1:{port}/", BLOCKED),
    ("http://0x7f000001:{port}/", BLOCKED),
    ("http://127.1:{port}/", BLOCKED),
    ("http://0177.0.0.1:{port}/", BLOCKED),
    ("http://127.000.000.001:{port}/", BLOCKED),
    ("http://127.0.0.1.:{port}/", BLOCKED),
    ("http://127.0.0.2:{port}/", BLOCKED),
    ("http://[::1]:{port6}/", BLOCKED),
    ("http://[::ffff:127.0.0.1]:{port}/", BLOCKED),
    ("http://[::ffff:7f00:1]:{port}/", BLOCKED),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/", BLOCKED),
    ("http://[::127.0.0.1]:{port}/", BLOCKED),
    ("http://0:{port}/", BLOCKED),
    ("http://0.0.0.0:{port}/", BLOCKED),
    ("http://[::]:{port6}/", BLOCKED),
    ("http://localhost:{port}/", BLOCKED),
    ("http://LOCALHOST.:{port}/", BLOCKED),
    ("http://127.0.0.1.nip.io:{port}/", BLOCKED),
    ("https://127.0.0.1:{port}/", BLOCKED),
    # private, link-local, CGNAT, metadata, multicast, reserved (never contacted)
    ("http://10.0.0.1/", BLOCKED),
    ("http://172.16.0.1/", BLOCKED),
    ("http://192.168.1.1/", BLOCKED),
    ("http://169.254.169.254/latest/meta-data/", BLOCKED),
    ("http://2852039166/", BLOCKED),
    ("http://0xa9fea9fe/", BLOCKED),
    ("http://0251.0376.0251.0376/", BLOCKED),
    ("http://169.254.43518/", BLOCKED),
    ("http://[fd00:ec2::254]/", BLOCKED),
    ("http://100.100.100.200/", BLOCKED),
    ("http://100.64.0.1/", BLOCKED),
    ("http://[fe80::1]/", BLOCKED),
    ("http://[fe80::1%25eth0]/", BLOCKED),
    ("http://[fc00::1]/", BLOCKED),
    ("http://224.0.0.1/", BLOCKED),
    ("http://[ff02::1]/", BLOCKED),
    ("http://240.0.0.1/", BLOCKED),
    ("http://255.255.255.255/", BLOCKED),
    # private addresses wrapped in IPv6 transition forms
    ("http://[::ffff:169.254.169.254]/", BLOCKED),
    ("http://[2002:a9fe:a9fe::]/", BLOCKED),
    ("http://[2002:7f00:1::]/", BLOCKED),
    ("http://[64:ff9b::a9fe:a9fe]/", BLOCKED),
    ("http://[64:ff9b::10.0.0.1]/", BLOCKED),
    ("http://[64:ff9b:1::a00:1]/", BLOCKED),
    ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", BLOCKED),
    # credentials, schemes, ports
    ("http://user:pw@host@127.0.0.1:{port}/", INVALID),
    ("http://127.0.0.1:{port}@public.example/", INVALID),
    ("http://public.example@127.0.0.1:{port}/", INVALID),
    ("file:///etc/passwd", INVALID),
    ("file://127.0.0.1/etc/passwd", INVALID),
    ("gopher://127.0.0.1:{port}/_stats", INVALID),
    ("ftp://127.0.0.1:{port}/", INVALID),
    ("dict://127.0.0.1:{port}/info", INVALID),
    ("ldap://127.0.0.1:{port}/", INVALID),
    ("data:text/html,<h1>hi</h1>", INVALID),
    ("javascript:alert(1)", INVALID),
    ("http://public.example:22/", BLOCKED),
    ("http://public.example:25/", BLOCKED),
    ("http://public.example:6000/", BLOCKED),
    # names that resolve inside
    ("http://internal.example/", BLOCKED),
    ("http://metadata.google.internal/computeMetadata/v1/", BLOCKED),
    ("http://cgnat.example/", BLOCKED),
    ("http://ula.example/", BLOCKED),
    ("http://mixed.example/", BLOCKED),
    # redirects that end inside
    ("http://public.example/to-loopback", BLOCKED),
    ("http://public.example/to-metadata", BLOCKED),
    ("http://public.example/to-mapped-private", BLOCKED),
    ("http://public.example/hop1", BLOCKED),
    ("http://public.example/to-decimal", BLOCKED),
    ("http://public.example/to-file", INVALID),
    ("http://public.example/to-gopher", INVALID),
    # DNS rebinding: the second lookup (for the redirect) answers loopback
    ("http://rebind.example/to-rebind", BLOCKED),
]


@dataclass
class Listeners:
    """Counting TCP listeners on 127.0.0.1 and ::1 (where the machine has IPv6)."""

    port: int = 0
    port6: int = 0
    connections: int = 0
    servers: list[asyncio.Server] = field(default_factory=list)

    async def start(self) -> None:
        server = await asyncio.start_server(self._count, "127.0.0.1", 0)
        self.servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if socket.has_ipv6:
            try:
                server6 = await asyncio.start_server(self._count, "::1", 0)
            except OSError:
                return
            self.servers.append(server6)
            self.port6 = server6.sockets[0].getsockname()[1]

    async def _count(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nleak!"
        )
        await writer.drain()
        writer.close()

    def close(self) -> None:
        for server in self.servers:
            server.close()


class GuardTransport(httpx.AsyncBaseTransport):
    """Loopback goes to the real network (the listeners); the public address is canned;
    anything else is recorded and never connected."""

    def __init__(self, port: int) -> None:
        self.real = httpx.AsyncHTTPTransport(retries=0)
        self.port = port
        self.attempts: list[str] = []
        self.public: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in ("127.0.0.1", "::1"):
            return await self.real.handle_async_request(request)
        if host != PUBLIC:
            self.attempts.append(str(request.url))
            raise httpx.ConnectError("the guard never connects here")
        self.public.append(request)
        target = REDIRECTS.get(request.url.path)
        if target is not None:
            return httpx.Response(302, headers={"Location": target.format(port=self.port)})
        page = httpx.ByteStream(b"<p>public</p>")
        return httpx.Response(200, headers={"Content-Type": "text/html"}, stream=page)

    async def aclose(self) -> None:
        await self.real.aclose()


def stub_resolver():
    """Answers from DNS, one list per lookup; unknown names have no address."""
    lookups: dict[str, int] = {}

    async def resolve(host: str, port: int) -> list[IPAddress]:
        name = host.lower().rstrip(".")
        answers = DNS.get(name, [[]])
        index = min(lookups.get(name, 0), len(answers) - 1)
        lookups[name] = lookups.get(name, 0) + 1
        return [ipaddress.ip_address(a) for a in answers[index]]

    return resolve


@pytest.fixture
async def listeners():
    running = Listeners()
    await running.start()
    yield running
    running.close()
    assert running.connections == 0


def test_the_suite_is_at_least_forty_forms() -> None:
    assert len(CASES) >= 40 and len({url for url, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("url", "code"), CASES, ids=[url for url, _ in CASES])
async def test_every_inside_form_is_refused(
    listeners: Listeners, url: str, code: ErrorCode
) -> None:
    transport = GuardTransport(listeners.port)
    target = url.format(port=listeners.port, port6=listeners.port6 or listeners.port)
    with pytest.raises(AnalysisError) as caught:
        await fetch_page(target, resolver=stub_resolver(), transport=transport)
    assert caught.value.code is code, caught.value.message
    assert transport.attempts == []
    assert listeners.connections == 0


async def test_rebinding_between_lookup_and_connect_never_reaches_loopback(
    listeners: Listeners,
) -> None:
    """The first lookup answers public and the socket is pinned to it; the second answer
    (loopback) is never used for this request."""
    transport = GuardTransport(listeners.port)
    page = await fetch_page(
        f"http://rebind.example:{listeners.port}/page",
        resolver=stub_resolver(),
        transport=transport,
    )
    assert page.body == b"<p>public</p>"
    assert [r.url.host for r in transport.public] == [PUBLIC]
    assert transport.public[0].headers["Host"] == f"rebind.example:{listeners.port}"
    assert listeners.connections == 0


async def test_the_listener_would_count_a_hole(listeners: Listeners) -> None:
    """The guard is live: with loopback allowed, the same request reaches the listener."""
    policy = FetchPolicy(addresses=AddressPolicy.from_list("127.0.0.1"))
    transport = GuardTransport(listeners.port)
    page = await fetch_page(
        f"http://127.0.0.1:{listeners.port}/", policy, resolver=stub_resolver(), transport=transport
    )
    assert page.body == b"leak!" and listeners.connections == 1
    listeners.connections = 0

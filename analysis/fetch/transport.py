"""A pinned-address transport: resolve once, check every address, connect to the checked one.

The request keeps its original Host header and TLS server name (SNI and certificate check);
only the address the socket connects to is fixed, so DNS cannot change between the check
and the connection (rebinding).
"""

import asyncio
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx

from analysis.errors import AnalysisError, ErrorCode
from analysis.fetch.policy import AddressPolicy, IPAddress, literal_address

type Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


# Lookups run on threads of their own, never on asyncio's default executor, which the chat
# libraries' own name lookups use: slow DNS for an article can then never starve them.
DNS_THREADS = 4
DNS_EXECUTOR = ThreadPoolExecutor(max_workers=DNS_THREADS, thread_name_prefix="sourcecheck-dns")


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve a host name (its ASCII form) with the operating system's resolver, on the
    bounded DNS executor.

    Raises AnalysisError(dns_failure) when the name does not resolve.
    """
    loop = asyncio.get_running_loop()
    lookup = partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = await loop.run_in_executor(DNS_EXECUTOR, lookup)
    except (socket.gaierror, UnicodeError):
        raise AnalysisError(
            ErrorCode.DNS_FAILURE, f"The site name {host!r} could not be found."
        ) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = literal_address(str(sockaddr[0]))
        if address is not None and address not in addresses:
            addresses.append(address)
    return addresses


class PinnedTransport(httpx.AsyncBaseTransport):
    """Checks and pins the destination address of every request it sends."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._resolver = resolver

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Resolve, check and pin the request's host (its ASCII form: an international name is
        looked up and sent as `xn--`, by IDNA 2008 as httpx encodes it), then send."""
        host = request.url.raw_host.decode("ascii")
        address = await self.checked_address(host, request.url.port or _default_port(request))
        request.url = request.url.copy_with(host=str(address))
        request.headers["Host"] = _host_header(host, request.url.port)
        if request.url.scheme == "https" and literal_address(host) is None:
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def checked_address(self, host: str, port: int) -> IPAddress:
        """The first address of `host`, after checking that every address it has is allowed.

        Raises AnalysisError(blocked_address or dns_failure).
        """
        literal = literal_address(host)
        if literal is not None:
            self._policy.check_address(literal)
            return literal
        addresses = await self._resolver(host, port)
        if not addresses:
            raise AnalysisError(ErrorCode.DNS_FAILURE, f"The site name {host!r} has no address.")
        if not self._policy.host_allowed(host):
            for address in addresses:
                self._policy.check_address(address)
        return addresses[0]

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


def _default_port(request: httpx.Request) -> int:
    return 443 if request.url.scheme == "https" else 80


def _host_header(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"

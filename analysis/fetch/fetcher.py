"""The one fetcher: `fetch_page()` opens a link safely and returns the decoded page bytes.

Layers, as in httpx: `policy` (pure URL and address rules) -> `transport` (pinned address)
-> this module (redirects re-checked, one overall deadline, a cap on the decoded body,
content types).
"""

import asyncio
import http.cookiejar
import logging
import ssl
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus

import certifi
import httpx

from analysis.errors import AnalysisError, ErrorCode
from analysis.fetch.decode import BodyTooLarge, BoundedDecoder
from analysis.fetch.policy import AddressPolicy, parse_url
from analysis.fetch.transport import PinnedTransport, Resolver, system_resolver

ARTICLE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
log = logging.getLogger(__name__)
USER_AGENT = "sourcecheck/0.1 (+https://github.com/sourcecheck/sourcecheck; article checker)"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """Limits for one fetch. Units: seconds and bytes."""

    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    addresses: AddressPolicy = field(default_factory=AddressPolicy)
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedPage:
    """A fetched page: the final URL, its media type and charset, and the decoded body."""

    url: str
    media_type: str
    charset: str | None
    body: bytes


async def fetch_page(
    url: str,
    policy: FetchPolicy | None = None,
    *,
    resolver: Resolver = system_resolver,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchedPage:
    """Fetch an article page within `policy`, following at most `max_redirects` redirects.

    `transport` replaces the network (tests); `resolver` replaces DNS. Raises AnalysisError
    with a typed code for every failure.
    """
    policy = policy or FetchPolicy()
    inner = transport or httpx.AsyncHTTPTransport(verify=_ssl_context(), retries=0)
    pinned = PinnedTransport(inner, policy.addresses, resolver)
    async with httpx.AsyncClient(
        transport=pinned,
        trust_env=False,
        follow_redirects=False,
        cookies=_no_cookies(),
        timeout=httpx.Timeout(policy.timeout),
        headers={
            "User-Agent": policy.user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en",
        },
    ) as client:
        try:
            async with asyncio.timeout(policy.timeout):
                return await _follow(client, parse_url(url), policy)
        except AnalysisError:
            raise
        except (TimeoutError, httpx.TimeoutException):
            raise _timeout(policy) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
            raise AnalysisError(
                ErrorCode.INVALID_URL,
                "The link, or a page it redirected to, is not a valid web link.",
            ) from error
        except Exception as error:  # an ExceptionGroup, a library's own error: never escape
            log.warning("fetch.failed", extra={"error": type(error).__name__})
            raise AnalysisError(
                ErrorCode.CONNECTION_FAILED, "The site could not be reached."
            ) from error


async def _follow(client: httpx.AsyncClient, url: httpx.URL, policy: FetchPolicy) -> FetchedPage:
    for _ in range(policy.max_redirects + 1):
        async with client.stream("GET", url) as response:
            if response.status_code in REDIRECT_CODES and "location" in response.headers:
                url = parse_url(str(url.join(response.headers["location"])))
                continue
            return await _read(response, str(url), policy)
    raise AnalysisError(
        ErrorCode.TOO_MANY_REDIRECTS,
        f"The link redirected more than {policy.max_redirects} times, so it was not followed.",
    )


async def _read(response: httpx.Response, url: str, policy: FetchPolicy) -> FetchedPage:
    if not response.is_success:
        raise AnalysisError(ErrorCode.HTTP_STATUS, f"The site answered {_status(response)}.")
    media_type, charset = _content_type(response.headers.get("content-type", ""))
    if media_type and media_type not in ARTICLE_TYPES:
        raise _not_an_article(media_type)
    declared = int(response.headers.get("content-length") or 0)
    encoding = response.headers.get("content-encoding", "identity")
    if encoding.strip().lower() in ("", "identity") and declared > policy.max_bytes:
        raise _too_large(policy)
    decoder = BoundedDecoder(encoding, policy.max_bytes)
    try:
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
    except BodyTooLarge:
        raise _too_large(policy) from None
    body = decoder.body()
    media_type = media_type or _sniff(body)
    if body.lstrip()[:5] == b"%PDF-":
        raise _not_an_article("application/pdf")
    return FetchedPage(url=url, media_type=media_type, charset=charset, body=body)


def _status(response: httpx.Response) -> str:
    """The status code with its standard phrase: the site's own reason phrase is not repeated
    (it is the site's text, and could carry markup)."""
    try:
        return f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    except ValueError:
        return str(response.status_code)


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, *params = (part.strip() for part in header.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("'\"").lower()
    return media_type.lower(), charset


def _sniff(body: bytes) -> str:
    head = body[:1024]
    if b"\x00" in head:
        raise _not_an_article("binary data")
    return "text/html" if b"<" in head else "text/plain"


@cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def _no_cookies() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _timeout(policy: FetchPolicy) -> AnalysisError:
    return AnalysisError(
        ErrorCode.TIMEOUT, f"The site did not send the page within {policy.timeout:g} seconds."
    )


def _too_large(policy: FetchPolicy) -> AnalysisError:
    megabytes = policy.max_bytes / 1_000_000
    return AnalysisError(
        ErrorCode.TOO_LARGE, f"The page is larger than {megabytes:g} MB, so it was not read."
    )


def _not_an_article(media_type: str) -> AnalysisError:
    return AnalysisError(
        ErrorCode.UNSUPPORTED_TYPE,
        f"That link is not an article page ({media_type}); only web pages and plain text "
        "are checked.",
    )

"""Hostile and odd response bodies: each gets a clear message in chat, with memory bounded.

Every case is served on 127.0.0.1. The chat test posts the link to the real bot (real store,
real worker pool) and reads the reply; the memory test runs the same fetch, extraction and
analysis in this process under `tracemalloc` and bounds its peak allocation.
"""

import asyncio
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from analysis import AnalysisError, AnalysisOptions, ErrorCode, analyze
from analysis.fetch import AddressPolicy, FetchPolicy
from bot import AnalysisPool, Bot, ReplyKind, Runner, Settings, Store
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer, gzip_bomb, trickle
from tests.fakes.chat import TestAdapter

DEADLINE = 2.0
MAX_BYTES = 5_000_000
PEAK_LIMIT = 64 * 2**20  # bytes allocated at the peak of one hostile fetch and analysis
ARTICLE = (SEEDS / "001_city_budget.html").read_text()
GIGABYTES_2 = 2 * 2**30


async def endless(request: web.Request) -> web.StreamResponse:
    """A page that never ends, sent as fast as the client reads it."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    await response.write(b"<html><body>")
    paragraph = b"<p>" + b"This paragraph goes on and on. " * 100 + b"</p>"
    while True:
        await response.write(paragraph)


def two_gigabytes(*, declared: bool):
    """A 2 GB body streamed in 1 MB chunks, with an honest Content-Length or none."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        if declared:
            response.content_length = GIGABYTES_2
        await response.prepare(request)
        chunk = b"word " * (2**20 // 5)
        for _ in range(GIGABYTES_2 // len(chunk)):
            await response.write(chunk)
        return response

    return handler


async def slow(request: web.Request) -> web.StreamResponse:
    """One byte a second."""
    return await trickle(request, delay=1.0)


def deflate_bomb(inflated_bytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated_bytes >> 20)]
    return b"".join(parts) + compressor.flush()


def nested(depth: int) -> bytes:
    return (b"<div>" * depth + b"<p>Deep text.</p>" + b"</div>" * depth).join(
        [b"<html><body>", b"</body></html>"]
    )


def page(paragraphs: list[str], charset: str = "utf-8") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>T</title></head><body><article>{body}</article></body></html>".encode(
            charset
        )
    )


LOGIN_WALL = b"""<html><head><title>Sign in</title></head><body>
<form action="/login" method="post"><label>Email <input name="email"></label>
<label>Password <input type="password" name="pw"></label><button>Sign in</button></form>
<p>Subscribe to continue reading.</p></body></html>"""

FRENCH = [
    "Le conseil municipal a adopté mardi un budget de quatre millions pour les écoles de la "
    "ville, après un long débat sur les impôts et les dépenses publiques de la région.",
    "Les élus de l'opposition ont dénoncé une hausse des taxes qui pèsera sur les familles et "
    "sur les commerces du centre, selon eux déjà fragilisés par la crise économique.",
    "Le maire a répondu que les investissements étaient nécessaires pour rénover les bâtiments "
    "et que la dette de la commune restait sous contrôle pour les cinq prochaines années.",
]

ENGLISH = [
    "The city council approved a budget of $4 million for schools on Tuesday after a long "
    "debate about taxes and spending that lasted well into the night.",
    "Critics say the tax increase will hurt families and small shops in the centre of town, "
    "which have already struggled through the last two difficult years.",
    "The mayor said the investment was needed to repair old buildings, and that the city's "
    "debt would stay under control for the next five years.",
]


@dataclass(frozen=True)
class Case:
    """A route, how it is served, and what the user must be told."""

    name: str
    serve: Callable[[ArticleServer, str], None]
    code: ErrorCode | None  # None: analysed normally
    says: str


def body(data: bytes, content_type: str, **headers: str) -> Callable[[ArticleServer, str], None]:
    return lambda server, path: server.add_page(path, data, content_type, **headers)


def handler(function) -> Callable[[ArticleServer, str], None]:
    return lambda server, path: server.add_handler(path, function)


CASES = [
    Case(
        "gzip bomb",
        body(gzip_bomb(256 * 2**20), "text/html", **{"Content-Encoding": "gzip"}),
        ErrorCode.TOO_LARGE,
        "larger than 5 MB",
    ),
    Case(
        "deflate bomb",
        body(deflate_bomb(256 * 2**20), "text/html", **{"Content-Encoding": "deflate"}),
        ErrorCode.TOO_LARGE,
        "larger than 5 MB",
    ),
    Case(
        "brotli (not offered)",
        body(b"\x1b\x03\x00\xf8\xa5\x02\x00\x00", "text/html", **{"Content-Encoding": "br"}),
        ErrorCode.UNSUPPORTED_TYPE,
        "compressed in a way",
    ),
    Case(
        "zstd (not offered)",
        body(b"\x28\xb5\x2f\xfd\x00\x58\x00\x00", "text/html", **{"Content-Encoding": "zstd"}),
        ErrorCode.UNSUPPORTED_TYPE,
        "compressed in a way",
    ),
    Case(
        "2 GB declared",
        handler(two_gigabytes(declared=True)),
        ErrorCode.TOO_LARGE,
        "larger than 5 MB",
    ),
    Case(
        "2 GB undeclared",
        handler(two_gigabytes(declared=False)),
        ErrorCode.TOO_LARGE,
        "larger than",
    ),
    Case("trickle", handler(slow), ErrorCode.TIMEOUT, "within 2 seconds"),
    Case("endless page", handler(endless), ErrorCode.TOO_LARGE, "larger than 5 MB"),
    Case("nested HTML", body(nested(100_000), "text/html"), ErrorCode.NOT_AN_ARTICLE, "login"),
    Case(
        "invalid UTF-8",
        body(page(ENGLISH).replace(b"Tuesday", b"Tues\xff\xfeday"), "text/html; charset=utf-8"),
        None,
        "budget",
    ),
    Case(
        "wrong charset",
        body(page(ENGLISH, "utf-16"), "text/html; charset=iso-8859-1"),
        None,
        "budget",
    ),
    Case(
        "PDF",
        body(b"%PDF-1.7\n" + bytes(5000), "application/pdf"),
        ErrorCode.UNSUPPORTED_TYPE,
        "PDF",
    ),
    Case(
        "PDF sent as HTML",
        body(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html"),
        ErrorCode.UNSUPPORTED_TYPE,
        "not an article page",
    ),
    Case(
        "image",
        body(b"\x89PNG\r\n\x1a\n" + bytes(4000), "image/png"),
        ErrorCode.UNSUPPORTED_TYPE,
        "image/png",
    ),
    Case(
        "garbage bytes",
        body(bytes(range(256)) * 40, "application/octet-stream"),
        ErrorCode.UNSUPPORTED_TYPE,
        "not an article page",
    ),
    Case("empty page", body(b"", "text/html"), ErrorCode.NOT_AN_ARTICLE, "empty page"),
    Case("login wall", body(LOGIN_WALL, "text/html"), ErrorCode.NOT_AN_ARTICLE, "login wall"),
    Case(
        "another language",
        body(page(FRENCH), "text/html; charset=utf-8"),
        ErrorCode.UNSUPPORTED_LANGUAGE,
        "only English articles are analysed for now",
    ),
    Case("a real article", body(ARTICLE.encode(), "text/html"), None, "Critics say"),
]


@pytest.fixture
async def served():
    async with ArticleServer() as server:
        for index, case in enumerate(CASES):
            case.serve(server, f"/{index}")
        yield server


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
async def test_the_chat_hears_a_clear_message(
    tmp_path: Path, runner: Runner, served: ArticleServer, index: int
) -> None:
    case = CASES[index]
    settings = Settings(
        fetch_allow=("127.0.0.1",),
        db_url=f"sqlite:///{tmp_path / 'bot.db'}",
        fetch_timeout=DEADLINE,
        fetch_max_bytes=MAX_BYTES,
    )
    pool = AnalysisPool(runner, 1, settings.fetch_policy())
    chat = TestAdapter(Bot(settings, Store.open(settings.db_url), pool))
    reply = await asyncio.wait_for(chat.say(served.url(f"/{index}")), DEADLINE + 60)
    assert reply is not None and len(chat.posted) == 1
    (outcome,) = reply.outcomes
    if case.code is None:
        assert outcome.report is not None and reply.kind is ReplyKind.ANALYSIS
        assert case.says in reply.text
    else:
        assert outcome.error is not None and outcome.error.code is case.code, outcome.error
        assert case.says.lower() in reply.text.lower()
        assert "Traceback" not in reply.text and "127.0.0.1" not in outcome.error.message


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
async def test_memory_stays_bounded(tmp_path: Path, served: ArticleServer, index: int) -> None:
    options = AnalysisOptions(
        fetch=FetchPolicy(
            timeout=DEADLINE,
            max_bytes=MAX_BYTES,
            addresses=AddressPolicy.from_list("127.0.0.1"),
        )
    )
    analyze_url = served.url(f"/{index}")
    warm = tmp_path / "warm.txt"
    warm.write_text("\n\n".join(ENGLISH))
    await analyze(str(warm), options)  # the model loads before measuring: the peak is the page's
    tracemalloc.start()
    try:
        await analyze(analyze_url, options)
    except AnalysisError as error:
        assert error.code is CASES[index].code
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MB"

"""From a target to a `Report`: fetch, extract, parse, judge, summarise. The one
orchestration of an analysis, for the bot, the command line, the tools and the workers.

A target is typed: a `Link` or `Pasted` text. Fetching is I/O and async (`fetch`); the rest
is CPU work in plain functions (`load_fetched` extracts, `analyse_loaded` parses, judges
and summarises), so a worker process can run it with the page already fetched. Batches go
through `nlp.pipe`.
"""

import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analysis.charset import decode_page
from analysis.errors import AnalysisError, ErrorCode
from analysis.extract import Article, extract_html, extract_page, extract_text
from analysis.fetch import FetchedPage, FetchPolicy, fetch_page
from analysis.judge import judge_article
from analysis.language import check_english
from analysis.nlp import load_pipeline
from analysis.report import Report, Sensitivity, Stats
from analysis.summary import summarise

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
FILE_SUFFIXES = HTML_SUFFIXES | {".txt", ".text", ".md"}  # a bare `name.txt` is a file
PIPE_BATCH = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisOptions:
    """Plain options for the analysis core (no environment reading here)."""

    sensitivity: Sensitivity = Sensitivity.MEDIUM
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A web link to fetch and analyse (the bot's cache key)."""

    url: str


@dataclass(frozen=True, slots=True)
class Pasted:
    """Text pasted into a chat, analysed as an article (never cached)."""

    text: str


Target = Link | Pasted
PASTED_LABEL = "pasted text"
# `example.com/story` or `www.example.com`: a host name with a dot, then a path or nothing.
BARE_HOST = re.compile(r"^(www\.)?([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?(/\S*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A target ready for the CPU work: a link's page as fetched, or the pasted text."""

    target: Target
    page: FetchedPage | None
    fetch_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedArticle:
    """An extracted article, ready for NLP, with what loading it took (ms)."""

    input: str
    article: Article
    timings_ms: dict[str, int]


def as_link(target: str) -> str | None:
    """The web link a command-line target names, or None for a file (or `-`): a URL, or a
    `host/path` without a scheme (read as https, as browsers and curl do) where no file of
    that name exists."""
    if "://" in target:
        return target
    path = Path(target)
    file_like = "/" not in target and path.suffix.lower() in FILE_SUFFIXES
    if BARE_HOST.match(target) and not file_like and not path.exists():
        return f"https://{target}"
    return None


def label(target: Target) -> str:
    """How a reply names a target: its link, or "pasted text"."""
    return target.url if isinstance(target, Link) else PASTED_LABEL


async def fetch(target: Target, policy: FetchPolicy) -> Fetched:
    """Fetch a link's page (the I/O half of an analysis); pasted text needs nothing.

    Raises AnalysisError.
    """
    if isinstance(target, Pasted):
        return Fetched(target, None, 0)
    started = time.perf_counter()
    page = await fetch_page(target.url, policy)
    return Fetched(target, page, _ms(started))


def load_fetched(fetched: Fetched) -> LoadedArticle:
    """Extract a fetched target's article: the first, short part of the CPU work, after
    which its length says what the rest will cost. Raises AnalysisError."""
    match fetched:
        case Fetched(target=Link(url), page=FetchedPage() as page):
            return load_page(url, page, fetched.fetch_ms)
        case Fetched(target=Pasted(text)):
            return load_text(text, PASTED_LABEL)
        case _:
            raise TypeError("a link is analysed once its page is fetched")


def analyse_loaded(
    loaded: LoadedArticle, sensitivity: Sensitivity, model: str | None = None
) -> Report:
    """Parse, judge and summarise an extracted article (the long part of the CPU work,
    which a worker process runs). Raises AnalysisError."""
    return report_article(loaded, AnalysisOptions(sensitivity=sensitivity, model=model))


async def load_target(target: str, options: AnalysisOptions) -> LoadedArticle:
    """Fetch (for a URL) or read (a file, or `-` for stdin) and extract one target.

    Raises AnalysisError.
    """
    started = time.perf_counter()
    link = as_link(target)
    page = await fetch_page(link, options.fetch) if link else None
    fetched = time.perf_counter()
    article = extract_page(page) if page else _read_local(target)
    timings = {"fetch": _ms(started, fetched), "extract": _ms(fetched)}
    return _loaded(link or target, article, timings)


def load_page(target: str, page: FetchedPage, fetch_ms: int = 0) -> LoadedArticle:
    """Extract an already fetched page (the bot fetches in its event loop, extracts in a worker)."""
    started = time.perf_counter()
    return _loaded(target, extract_page(page), {"fetch": fetch_ms, "extract": _ms(started)})


def load_text(text: str, input_: str = "-") -> LoadedArticle:
    """Treat pasted text as an article."""
    started = time.perf_counter()
    return _loaded(input_, extract_text(text), {"fetch": 0, "extract": _ms(started)})


def report_articles(loaded: Iterable[LoadedArticle], options: AnalysisOptions) -> Iterator[Report]:
    """Analyse articles in order, batching them through `nlp.pipe`."""
    nlp = load_pipeline(options.model)
    items = list(loaded)
    bodies = (item.article.body for item in items)
    started = time.perf_counter()
    for item, doc in zip(items, nlp.pipe(bodies, batch_size=PIPE_BATCH), strict=True):
        sentences = judge_article(doc, item.article, options.sensitivity)
        summary = summarise(sentences, doc)  # (index, text) pairs
        finished = time.perf_counter()
        article = item.article
        yield Report(
            input=item.input,
            url=article.url,
            title=article.title,
            site=article.site,
            author=article.author,
            date=article.date,
            truncated=article.truncated,
            sensitivity=options.sensitivity,
            summary=tuple(text for _, text in summary),
            summary_sentences=tuple(index for index, _ in summary),
            sentences=tuple(sentences),
            stats=Stats.of(sentences),
            timings_ms={**item.timings_ms, "analyze": _ms(started, finished)},
        )
        started = finished


def report_article(loaded: LoadedArticle, options: AnalysisOptions) -> Report:
    """Analyse one article."""
    return next(report_articles([loaded], options))


async def analyze(target: str, options: AnalysisOptions | None = None) -> Report:
    """Analyse one target end to end. Raises AnalysisError."""
    options = options or AnalysisOptions()
    return report_article(await load_target(target, options), options)


def _loaded(target: str, article: Article, timings: dict[str, int]) -> LoadedArticle:
    check_english(article.body)
    return LoadedArticle(input=target, article=article, timings_ms=timings)


def _read_local(target: str) -> Article:
    if target == "-":
        return extract_text(sys.stdin.read())
    path = Path(target)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise AnalysisError(
            ErrorCode.NOT_FOUND, f"Cannot read {target}: {error.strerror or 'not a file'}."
        ) from None
    if path.suffix.lower() in HTML_SUFFIXES:
        return extract_html(decode_page(data, None, "text/html"))
    return extract_text(decode_page(data, None, "text/plain"))


def _ms(start: float, end: float | None = None) -> int:
    return round(((end or time.perf_counter()) - start) * 1000)

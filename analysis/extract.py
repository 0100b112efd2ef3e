"""Article extraction: a page or a text becomes an `Article` (metadata, paragraphs, links).

HTML goes through trafilatura's XML output, which keeps paragraphs apart and hyperlinks
(`<ref target=...>`) in place, so a sentence that links to its source can be seen as sourced.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import trafilatura
from lxml import etree

from analysis.charset import decode_page
from analysis.errors import AnalysisError, ErrorCode
from analysis.fetch import FetchedPage

BLOCK_TAGS = frozenset({"p", "head", "item", "cell", "quote", "code", "list", "table", "row"})
LEAF_BLOCKS = frozenset({"p", "head", "item", "cell", "quote", "code"})
_SPACE = re.compile(r"\s+")
_PARAGRAPH_END = re.compile(r"[.!?:;\"'”’)\]]\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s")
_BETWEEN_SENTENCES = re.compile(r"[a-z]{3}[.!?][\"'”’)\]]*\s+[\"'“‘(]?[A-Z]")
_CLOSED = re.compile(r"[.!?][\"'”’)\]]*$")
MAX_BODY_CHARS = 100_000  # longer articles are read this far (the README says so)


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A hyperlink inside the body: character offsets into `Article.body` and its target."""

    start: int
    end: int
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Paragraph:
    """One paragraph of the body; `quote` marks an indented block quotation."""

    start: int
    end: int
    quote: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """An extracted article. `body` is the paragraphs joined by blank lines."""

    title: str | None
    site: str | None
    author: str | None
    date: str | None
    url: str | None
    body: str
    paragraphs: tuple[Paragraph, ...]
    links: tuple[Link, ...] = ()
    truncated: bool = False

    def paragraph_texts(self) -> list[str]:
        """The text of each paragraph, in order."""
        return [self.body[p.start : p.end] for p in self.paragraphs]


class _BodyBuilder:
    """Joins paragraphs into one body string, tracking paragraph and link offsets."""

    def __init__(self, limit: int = MAX_BODY_CHARS) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.paragraphs: list[Paragraph] = []
        self.links: list[Link] = []
        self.limit = limit
        self.truncated = False

    def add(self, segments: list[tuple[str, str | None]], *, quote: bool = False) -> None:
        """Append a paragraph; past `limit` characters the body ends (at a sentence end
        where there is one) and `truncated` is set."""
        if self.truncated:
            return
        text, links = _join_segments(segments)
        room = self.limit - self.size - 2
        if len(text) > room:
            self.truncated = True
            text = _cut(text, room, whole_sentences=bool(self.parts))
            links = [(a, min(b, len(text)), u) for a, b, u in links if a < len(text)]
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.size += 2
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        self.paragraphs.append(Paragraph(start=start, end=self.size, quote=quote))
        self.links.extend(Link(start=start + a, end=start + b, url=u) for a, b, u in links)

    def body(self) -> str:
        return "".join(self.parts)

    def drop_repeated_title(self, title: str | None) -> None:
        """Remove a first paragraph that only repeats the headline."""
        if not title or not self.paragraphs:
            return
        first = self.parts[0]
        if _SPACE.sub(" ", first).strip().lower() != _SPACE.sub(" ", title).strip().lower():
            return
        shift = len(first) + (2 if len(self.parts) > 1 else 0)
        self.parts = self.parts[2:]
        self.size -= shift
        self.paragraphs = [
            Paragraph(start=p.start - shift, end=p.end - shift, quote=p.quote)
            for p in self.paragraphs[1:]
        ]
        self.links = [
            Link(start=k.start - shift, end=k.end - shift, url=k.url)
            for k in self.links
            if k.start >= shift
        ]


def _cut(text: str, room: int, *, whole_sentences: bool) -> str:
    """The start of `text` that fits in `room` characters, ending at the last sentence end
    inside it; with no sentence end, nothing if `whole_sentences`, else up to a space."""
    head = text[: max(room, 0) + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends:
        return text[: ends[-1]].rstrip()
    if whole_sentences or room <= 0:
        return ""
    return text[: head.rfind(" ") + 1 or room].rstrip()


def _join_segments(
    segments: list[tuple[str, str | None]],
) -> tuple[str, list[tuple[int, int, str]]]:
    """Collapse white space across segments; return the text and the link spans in it."""
    out = ""
    links: list[tuple[int, int, str]] = []
    for raw, url in segments:
        piece = _SPACE.sub(" ", raw)
        if out.endswith(" ") or not out:
            piece = piece.lstrip()
        start = len(out)
        out += piece
        if url and piece.strip():
            links.append((start, len(out.rstrip()), url))
    stripped = out.rstrip()
    return stripped, [(a, min(b, len(stripped)), u) for a, b, u in links]


MIN_PAGE_WORDS = 30  # fewer words on a fetched page: no article (a login wall, an error page)


def extract_page(page: FetchedPage) -> Article:
    """Extract the article from a fetched page (HTML or plain text).

    Raises AnalysisError(not_an_article) when no article text is found, or too little to be
    one (a login wall, a cookie notice, an error page).
    """
    text = decode_page(page.body, page.charset, page.media_type)
    if page.media_type == "text/plain":
        article = extract_text(text, url=page.url)
    else:
        article = extract_html(text, url=page.url)
    if len(article.body.split()) < MIN_PAGE_WORDS:
        raise _no_article()
    return article


# The date comes from the page's metadata (meta tags, <time>, structured data, the URL) or
# not at all: htmldate's extensive search would guess one from the text ("opened in 2019").
DATE_FROM_METADATA = {"original_date": True, "extensive_search": False}


def extract_html(html: str, url: str | None = None) -> Article:
    """Extract title, site, author, date, paragraphs and body links from an HTML page."""
    xml = trafilatura.extract(
        html,
        url=url,
        output_format="xml",
        include_links=True,
        include_comments=False,
        with_metadata=True,
        date_extraction_params=DATE_FROM_METADATA,
    )
    if not xml:
        raise _no_article()
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(huge_tree=False))
    main = root.find("main")
    builder = _BodyBuilder()
    for block, quote in _leaf_blocks(main if main is not None else root):
        builder.add(_segments(block), quote=quote)
    title = _clean(root.get("title"))
    return _finish(
        builder,
        title=title,
        site=_clean(root.get("sitename")) or _host(url),
        author=_clean(root.get("author")),
        date=_clean(root.get("date")),
        url=url,
    )


def extract_text(text: str, url: str | None = None) -> Article:
    """Build an article from plain text: the first line is the headline when a blank line
    follows and it is not a paragraph of sentences (two or more, the last one closed).

    Paragraphs are separated by blank lines, or by a line break after a line that ends a
    sentence; other line breaks (hard wrapping) are joined with a space.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n")
    title = None
    if len(lines) > 2 and lines[0].strip() and not lines[1].strip() and _headline(lines[0]):
        title = lines[0].strip()
        lines = lines[2:]
    builder = _BodyBuilder()
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        if current and (not line.strip() or _PARAGRAPH_END.search(line)):
            builder.add([(" ".join(current), None)])
            current = []
    return _finish(builder, title=title, site=_host(url), author=None, date=None, url=url)


def _headline(line: str) -> bool:
    """Whether a first line reads as a headline: not two sentences or more ending with a
    full stop. A break after a lower-case word of three letters or more counts, so that
    "U.S." and "Sen." in a headline do not."""
    line = line.strip()
    return not (_BETWEEN_SENTENCES.search(line) and _CLOSED.search(line))


def _finish(builder: _BodyBuilder, **metadata: str | None) -> Article:
    builder.drop_repeated_title(metadata.get("title"))
    body = builder.body()
    if not body.strip():
        raise _no_article()
    return Article(
        body=body,
        paragraphs=tuple(builder.paragraphs),
        links=tuple(builder.links),
        truncated=builder.truncated,
        **metadata,
    )


def _leaf_blocks(element: etree._Element, quote: bool = False) -> list[tuple[etree._Element, bool]]:
    """Blocks holding text directly, in document order; `quote` when inside a block quote."""
    found: list[tuple[etree._Element, bool]] = []
    for child in element:
        inside_quote = quote or child.tag == "quote"
        if any(grandchild.tag in BLOCK_TAGS for grandchild in child):
            found.extend(_leaf_blocks(child, inside_quote))
        elif child.tag in LEAF_BLOCKS or child.tag in BLOCK_TAGS:
            found.append((child, inside_quote))
    return found


def _segments(block: etree._Element) -> list[tuple[str, str | None]]:
    """A block's text as (text, link target or None) runs, in order."""
    segments: list[tuple[str, str | None]] = [(block.text or "", None)]
    for child in block:
        target = child.get("target") if child.tag == "ref" else None
        if child.tag == "lb":
            segments.append((" ", None))
        else:
            segments.extend((text, target) for text in [_all_text(child)])
        segments.append((child.tail or "", None))
    return segments


def _all_text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _clean(value: str | None) -> str | None:
    value = _SPACE.sub(" ", value or "").strip()
    return value or None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _no_article() -> AnalysisError:
    return AnalysisError(
        ErrorCode.NOT_AN_ARTICLE,
        "No article text was found there (an empty page, a login wall, or not an article).",
    )

"""Extraction from HTML pages and plain text."""

import pytest

from analysis import AnalysisError, ErrorCode
from analysis.extract import extract_html, extract_text
from tests.conftest import SEEDS


def test_html_page_gives_metadata_paragraphs_and_links() -> None:
    article = extract_html((SEEDS / "002_health_claims.html").read_text(), "https://ex.com/a")
    assert article.title == "Miracle Tea Cures Everything, Experts Say"
    assert article.site == "Example News"
    assert article.author == "Staff Reporter"
    paragraphs = article.paragraph_texts()
    assert paragraphs[0].startswith("Experts say"), "the repeated headline is dropped"
    assert "Home" not in article.body and "All rights reserved" not in article.body
    (link,) = article.links
    assert article.body[link.start : link.end] == "National Institutes of Health"
    assert link.url == "https://www.nih.gov/"


def test_text_headline_and_paragraphs(seed_text: str) -> None:
    article = extract_text(seed_text)
    assert article.title.startswith("ALERT: Trump Admin")
    assert len(article.paragraphs) == 8
    assert article.body.startswith("Rumors have been circulating")
    for paragraph, text in zip(article.paragraphs, article.paragraph_texts(), strict=True):
        assert article.body[paragraph.start : paragraph.end] == text


def test_hard_wrapped_lines_join_but_sentence_ends_break() -> None:
    article = extract_text("Headline\n\nThe council met\non Tuesday.\nIt voted to close the park.")
    assert article.paragraph_texts() == [
        "The council met on Tuesday.",
        "It voted to close the park.",
    ]


def test_text_without_headline() -> None:
    article = extract_text("Just one paragraph of text here.")
    assert article.title is None
    assert article.body == "Just one paragraph of text here."


@pytest.mark.parametrize("html", ["", "<html><body></body></html>", "<html><body><nav>x</nav>"])
def test_empty_pages_are_not_articles(html: str) -> None:
    with pytest.raises(AnalysisError) as caught:
        extract_html(html)
    assert caught.value.code is ErrorCode.NOT_AN_ARTICLE


PARAGRAPHS = "".join(
    f"<p>The light rail line opened in 2019 and carried {n} thousand riders on its first "
    "weekday, the transit agency said in a statement on its website.</p>"
    for n in range(1, 6)
)


def _page(head: str) -> str:
    return (
        f"<html><head><title>Light rail ridership</title>{head}</head><body><article>"
        f"<h1>Light rail ridership</h1>{PARAGRAPHS}</article></body></html>"
    )


def test_the_date_comes_from_metadata_only() -> None:
    """Issue 14: a page without a date had one invented from its text ("opened in 2019")."""
    assert extract_html(_page(""), "https://news.example.com/rail").date is None
    dated = _page('<meta property="article:published_time" content="2024-05-02T08:00:00Z">')
    assert extract_html(dated, "https://news.example.com/rail").date == "2024-05-02"


@pytest.mark.parametrize(
    ("first", "headline"),
    [
        ("Sen. Warren asks Obama to fire SEC chief, a longtime nemesis.", True),
        ("Markets Watch Closely as U.S. Elections Near.", True),
        ("The future of football? Danish club unveil a 'Virtual Grandstand'", True),
        ("Police said two men were arrested on Monday. They appear in court today.", False),
    ],
)
def test_a_pasted_first_paragraph_is_body_not_headline(first: str, headline: bool) -> None:
    """Pasted text often has no headline: a first line of sentences is the article's start."""
    article = extract_text(f"{first}\n\nThe council met on Tuesday.")
    assert (article.title == first) is headline
    assert article.body.startswith("The council" if headline else first)

"""Links in messages: outside code only, capped, normalised."""

import pytest

from bot.links import domain_matches, domain_of, find_links, normalise_url, word_count


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("HTTPS://News.Example.COM/a/b?id=7#comments", "https://news.example.com/a/b?id=7"),
        ("https://example.com/x?utm_source=tw&utm_medium=s&id=1", "https://example.com/x?id=1"),
        ("https://example.com/x?fbclid=abc&gclid=def", "https://example.com/x"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:8080/p", "http://example.com:8080/p"),
        ("ftp://example.com/file", None),
        ("https://", None),
    ],
)
def test_urls_are_normalised(raw: str, normal: str | None) -> None:
    assert normalise_url(raw) == normal


def test_links_outside_code_are_found_in_order_without_trailing_punctuation() -> None:
    text = (
        "see https://a.example/one, and https://b.example/two. "
        "not `https://c.example/inline` nor\n```\nhttps://d.example/block\n```"
    )
    assert find_links(text, 3) == ["https://a.example/one", "https://b.example/two"]


def test_at_most_the_limit_and_no_repeats() -> None:
    text = " ".join(f"https://e.example/{i} https://e.example/{i}#x" for i in range(5))
    assert find_links(text, 3) == [f"https://e.example/{i}" for i in range(3)]


def test_links_from_the_platform_are_added() -> None:
    assert find_links("no link here", 3, ("https://f.example/p",)) == ["https://f.example/p"]


def test_words_outside_code_are_counted() -> None:
    assert word_count("one two three `four five` six") == 4


@pytest.mark.parametrize(
    "spelling",
    ["https://evil.example./a", "https://EVIL.example/a", "https://www.evil.example./a"],
)
def test_item_15_a_trailing_dot_or_capitals_do_not_sidestep_a_rule(spelling: str) -> None:
    """Issue 12, item 15."""
    link = normalise_url(spelling)
    assert link is not None and domain_matches(domain_of(link), "evil.example")


def test_item_15_an_international_name_matches_in_either_spelling() -> None:
    unicode_rule = domain_of(normalise_url("https://bücher.example/") or "")
    ascii_link = normalise_url("https://xn--bcher-kva.example/x") or ""
    assert domain_matches(domain_of(ascii_link), unicode_rule)
    assert unicode_rule == "xn--bcher-kva.example"

"""The summary never opens a sentence with an unresolved pronoun or connective, never takes
half a quotation, and marks what the report flags."""

from analysis import AnalysisOptions, FetchedPage, load_page, load_text, report_article
from analysis.summary import cuts_quote, opens_unresolved
from tests.conftest import SEEDS


def _report(paragraphs: list[str]):
    text = "Council votes on the harbour plan\n\n" + "\n\n".join(paragraphs)
    return report_article(load_text(text, "test"), AnalysisOptions())


def test_the_checks() -> None:
    assert opens_unresolved("He said the plan would pass.")
    assert opens_unresolved("“But the vote was close,” she said.")
    assert not opens_unresolved("Helen Park said the plan would pass.")
    assert cuts_quote("“A great day for the harbour, a great day for our city!")
    assert not cuts_quote("“A great day,” the mayor said.")


def test_a_pronoun_is_taken_only_after_the_sentence_that_resolves_it() -> None:
    report = _report(
        [
            "The city council approved a plan on Tuesday to rebuild the old harbour wall.",
            "Residents packed the hall for the vote, which ran late into the evening hours.",
            "He said the harbour project would cost about four million dollars over ten years.",
            "The harbour wall was damaged by storms in 2019 and has been closed since then.",
        ]
    )
    chosen = report.summary_sentences
    for text, index in zip(report.summary, chosen, strict=True):
        assert not opens_unresolved(text) or index - 1 in chosen
        assert not cuts_quote(text)


def test_a_flagged_summary_sentence_is_marked() -> None:
    report = _report(
        [
            "The new harbour wall will make the city the richest port in the whole region.",
            "Officials said the work would begin in the spring and end within two years.",
        ]
    )
    flagged = [i for i in report.summary_sentences if report.sentences[i].flagged]
    assert flagged, "the sweeping claim is flagged and summarised"
    marked = report.marked_summary()
    assert any(text.endswith("(no source given)") for text in marked)
    cached = type(report).from_json(report.to_json())
    assert cached.marked_summary() == marked  # the indices survive the cache


def test_the_summary_carries_the_articles_named_source_when_it_has_one() -> None:
    """Issue 14 (b): on seed 002 the summary was three dubious claims and left out the
    physician's rebuttal."""
    html = (SEEDS / "002_health_claims.html").read_bytes()
    page = FetchedPage(
        url="https://news.example.com/tea", media_type="text/html", charset="utf-8", body=html
    )
    report = report_article(load_page(page.url, page), AnalysisOptions())
    assert any("not supported by any published trial" in text for text in report.summary)
    assert any(text.endswith("(vague source)") for text in report.marked_summary())

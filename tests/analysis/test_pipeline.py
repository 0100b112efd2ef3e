"""End to end through the analysis core: the seed, the schema, summaries, other languages."""

import json
import re

import pytest

from analysis import (
    AddressPolicy,
    AnalysisError,
    AnalysisOptions,
    ErrorCode,
    FetchPolicy,
    Report,
    Sensitivity,
    analyze,
    load_text,
    render_text,
    report_article,
)
from tests.conftest import SEED
from tests.fakes.article_server import ArticleServer
from tests.report_checks import assert_valid_report


@pytest.fixture(scope="module")
def seed_report() -> Report:
    return report_article(load_text(SEED.read_text(), str(SEED)), AnalysisOptions())


def _find(report: Report, start: str):
    return next(s for s in report.sentences if s.text.startswith(start))


def test_seed_flags_unsourced_and_vague_sentences(seed_report: Report) -> None:
    assert _find(seed_report, "Rumors have been circulating").status == "vague"
    assert _find(seed_report, "Rumors have been circulating").flagged
    tension = _find(seed_report, "A degree of tension")
    assert tension.flagged and tension.status in ("unsourced", "vague")
    assert _find(seed_report, "At the same time, mainstream outlets").flagged
    assert not _find(seed_report, "It’s fair to see why").flagged


def test_seed_names_its_sources(seed_report: Report) -> None:
    names = {s.name for s in seed_report.named_sources()}
    assert {"ABC News", "Business Insider", "Department of Justice"} <= names
    assert _find(seed_report, "President Trump’s Chief of Staff").status == "sourced"


def test_report_matches_the_schema_and_round_trips(seed_report: Report) -> None:
    data = json.loads(json.dumps(seed_report.to_json()))
    assert_valid_report(data)
    body_start = data["sentences"][0]["start"]
    assert body_start == 0
    assert Report.from_json(data) == seed_report


def test_sentences_never_cross_paragraphs(seed_report: Report) -> None:
    for sentence in seed_report.sentences:
        assert "\n" not in sentence.text


def test_summary_is_short_and_clean(seed_report: Report) -> None:
    assert 2 <= len(seed_report.summary) <= 3
    assert len(" ".join(seed_report.summary).split()) <= 75
    assert not any(re.match(r"(?i)alert:", s) for s in seed_report.summary)


def test_sensitivity_changes_only_the_flags(seed_report: Report) -> None:
    low = seed_report.with_sensitivity(Sensitivity.LOW)
    high = seed_report.with_sensitivity(Sensitivity.HIGH)
    assert low.stats.flagged <= seed_report.stats.flagged <= high.stats.flagged
    assert [s.status for s in low.sentences] == [s.status for s in high.sentences]


def test_plain_text_rendering_reads_as_a_reply(seed_report: Report) -> None:
    text = render_text(seed_report)
    assert "Summary:" in text and "Flagged" in text
    assert "Sources the article names:" in text and "ABC News" in text
    assert "false" not in text.lower()


def test_other_languages_are_declined() -> None:
    french = (
        "Le gouvernement a annoncé mardi une nouvelle réforme des retraites qui sera "
        "présentée au parlement dans les prochaines semaines, selon le ministre. "
    ) * 3
    with pytest.raises(AnalysisError) as caught:
        load_text(french)
    assert caught.value.code is ErrorCode.UNSUPPORTED_LANGUAGE


async def test_analyze_a_page_served_locally() -> None:
    options = AnalysisOptions(fetch=FetchPolicy(addresses=AddressPolicy.from_list("127.0.0.1")))
    async with ArticleServer() as server:
        report = await analyze(server.url("/002_health_claims"), options)
    assert report.url == server.url("/002_health_claims")
    assert report.title == "Miracle Tea Cures Everything, Experts Say"
    vague = [s for s in report.sentences if s.status == "vague"]
    assert any(s.text.startswith("Studies show") for s in vague)
    linked = _find(report, "According to the National Institutes of Health")
    assert any(source.kind == "link" for source in linked.sources)

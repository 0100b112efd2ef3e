"""The judgement, one behaviour per test, on sentences written for these tests."""

import pytest

from analysis import AnalysisOptions, Report, Sensitivity, load_text, render_text, report_article
from analysis.docindex import index_of
from analysis.evidence import Evidence
from analysis.extract import extract_html
from analysis.fetch.fetcher import FetchedPage
from analysis.judge import read_article
from analysis.nlp import load_pipeline
from analysis.pipeline import load_page
from tests.conftest import SEEDS

HEADLINE = "Harbour town weighs its options"


def judged(*paragraphs: str, sensitivity: Sensitivity = Sensitivity.MEDIUM) -> Report:
    text = HEADLINE + "\n\n" + "\n\n".join(paragraphs)
    return report_article(load_text(text, "test"), AnalysisOptions(sensitivity=sensitivity))


def evidence(*paragraphs: str) -> list[Evidence]:
    loaded = load_text(HEADLINE + "\n\n" + "\n\n".join(paragraphs), "test")
    return read_article(load_pipeline(None)(loaded.article.body), loaded.article)


def sentence(report: Report, start: str):
    return next(s for s in report.sentences if s.text.startswith(start))


def source_names(report: Report, start: str) -> list[str]:
    return [s.name for s in sentence(report, start).sources]


# Claim or not


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The council spent $4 million on the new ferry terminal in 2023.", "claim"),
        ("Is the new terminal worth the money?", "question"),
        ("The ferry terminal will open next spring.", "opinion"),
        ("Read the full council minutes here.", "other"),
        ("But hey, go and ask the ferry captains yourself.", "other"),
        ("I walked along the harbour wall this morning.", "other"),
        ("We need a better ferry service for the islands.", "opinion"),
        ("That is simply ridiculous.", "opinion"),
        ("Share this article on Facebook", "other"),
    ],
)
def test_the_rules_tell_claims_from_other_sentences(text: str, kind: str) -> None:
    """The rules' kind is evidence the flag model weighs (it may still flag an "opinion")."""
    items = evidence("The harbour master has worked there since 1998.", text)
    assert next(e for e in items if e.span.text.startswith(text[:15])).kind == kind


def test_an_elliptical_sentence_is_not_a_claim() -> None:
    report = judged("Who is still defending the ferry contract?", "Councillor Marta Ruiz is.")
    assert sentence(report, "Councillor").kind == "other"


def test_unsourced_figure_is_flagged_with_its_reason() -> None:
    report = judged("The council spent $4 million on the new ferry terminal in 2023.")
    claim = sentence(report, "The council")
    assert (claim.status, claim.flagged) == ("unsourced", True)
    assert claim.reasons == ("specific figure ($4 million) with no source",)


def test_sweeping_claim_is_flagged_with_its_reason() -> None:
    report = judged("Every ferry in the fleet has always been late in winter.")
    claim = sentence(report, "Every ferry")
    assert claim.flagged and "sweeping claim" in claim.reasons[0]


def test_a_named_persons_action_without_source_is_flagged() -> None:
    report = judged("Mayor Tomas Lind quietly cancelled the ferry contract last week.")
    claim = sentence(report, "Mayor")
    assert claim.flagged
    assert claim.reasons == ("claim about what Tomas Lind did, with no source given",)


def test_score_is_between_zero_and_one_and_zero_for_non_claims() -> None:
    report = judged("The ferry carried 3,000 passengers in May.", "Is that a lot?")
    assert 0 < sentence(report, "The ferry").score <= 1
    assert sentence(report, "Is that").score == 0


# Named attribution


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The terminal cost $4 million, according to the Harbour Gazette.", "Harbour Gazette"),
        ("Mayor Tomas Lind said the terminal cost $4 million.", "Tomas Lind"),
        ("The terminal cost $4 million, said Mayor Tomas Lind.", "Tomas Lind"),
        ("The terminal cost $4 million, reported the Harbour Gazette.", "Harbour Gazette"),
        ("The Harbour Gazette has learned that the terminal cost $4 million.", "Harbour Gazette"),
        (
            "In a statement, the Port Authority said the terminal cost $4 million.",
            "Port Authority",
        ),
        (
            "The 2023 Port Authority audit found that the terminal cost $4 million.",
            "Port Authority",
        ),
        ("“The terminal cost $4 million,” Tomas Lind told reporters.", "Tomas Lind"),
    ],
)
def test_named_sources_are_found(text: str, name: str) -> None:
    claim = sentence(judged(text), text[:12])
    assert claim.status == "sourced" and not claim.flagged
    assert any(name in source for source in source_names(judged(text), text[:12]))


def test_a_hyperlink_in_the_sentence_is_a_source() -> None:
    html = (
        "<html><head><title>Ferry costs</title></head><body><article><h1>Ferry costs</h1>"
        "<p>The ferry terminal cost <a href='https://gazette.example.org/terminal'>$4 million"
        "</a> last year, far above the first estimate given to the island councils.</p>"
        "<p>The harbour has three berths for cargo ships and one for the ferry.</p>"
        "</article></body></html>"
    )
    page = FetchedPage(
        url="https://news.example.com/ferry",
        media_type="text/html",
        charset="utf-8",
        body=html.encode(),
    )
    report = report_article(load_page("https://news.example.com/ferry", page, 0), AnalysisOptions())
    claim = sentence(report, "The ferry terminal cost")
    assert claim.status == "sourced"
    assert claim.sources[0].kind == "link" and claim.sources[0].name == "gazette.example.org"
    assert extract_html(html, "https://news.example.com/ferry").links


# Continuing attribution


def test_a_quotation_continues_its_speakers_attribution() -> None:
    report = judged(
        "“We lost two ferries to storms last winter,” said harbour master Elin Berg. "
        "“The insurers paid for neither of them. The repairs took eight months.”"
    )
    for start in ("“The insurers", "The repairs"):
        assert source_names(report, start) == ["Elin Berg"]
        assert not sentence(report, start).flagged


def test_he_added_takes_the_named_speaker_not_he() -> None:
    report = judged(
        "Harbour master Elin Berg said the ferry was late 40 times in March. "
        "She added that the engines had not been serviced for two years."
    )
    assert source_names(report, "She added") == ["Elin Berg"]


def test_a_bare_surname_is_the_person_named_earlier() -> None:
    report = judged(
        "Harbour master Elin Berg inspected the ferry on Monday.",
        "Berg has ordered new engines for all three boats. "
        "She said the old engines failed twice in March.",
    )
    assert source_names(report, "She said") == ["Elin Berg"]


def test_a_block_quote_introduced_by_a_named_outlet_carries_its_source() -> None:
    items = evidence(
        "The ferry will stop running in January, as the Harbour Gazette reports:",
        "The council voted 7 to 2 to end the contract. The last crossing is on 3 January.",
    )
    for item in items[1:]:
        assert [s.name for s in item.found.sources] == ["Harbour Gazette"]


# Vague attribution


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Some say the ferry contract was signed without a vote.", "some say"),
        ("Many believe the ferry contract was signed without a vote.", "many"),
        ("Critics argue that the ferry contract was signed without a vote.", "critics"),
        ("Experts warn that the ferry hulls are rusting through.", "experts"),
        ("Officials said the ferry contract was signed without a vote.", "officials"),
        ("Sources said the ferry contract was signed without a vote.", "sources"),
        ("Rumors have been circulating that the ferry will be sold.", "rumors"),
        ("It is reported that the ferry will be sold.", "it is reported"),
        ("The ferry will reportedly be sold to a private operator.", "reportedly"),
        ("The mayor allegedly signed the ferry contract without a vote.", "allegedly"),
        ("Studies show that ferries are safer than bridges.", "studies"),
        ("A Gazette producer admitted the story was never checked.", "producer"),
        ("Two unnamed port workers said the ferry failed its inspection.", "workers"),
        ("Some officials told the Harbour Gazette that the ferry will be sold.", "officials"),
    ],
)
def test_vague_sources_are_called_vague(text: str, cue: str) -> None:
    claim = sentence(judged(text), text[:12])
    assert claim.status == "vague" and claim.flagged
    assert cue in claim.reasons[0].lower()


# Sensitivity and explanations


def test_sensitivity_sets_the_score_threshold() -> None:
    paragraphs = (
        "The council spent $4 million on the new ferry terminal in 2023.",
        "It is busy.",
    )
    flagged = {
        level: sum(s.flagged for s in judged(*paragraphs, sensitivity=level).sentences)
        for level in Sensitivity
    }
    assert flagged[Sensitivity.LOW] <= flagged[Sensitivity.MEDIUM] <= flagged[Sensitivity.HIGH]
    for level in Sensitivity:
        for s in judged(*paragraphs, sensitivity=level).sentences:
            assert s.flagged == (s.status in ("unsourced", "vague") and s.score >= level.threshold)


def test_explain_shows_the_cues_of_every_sentence() -> None:
    report = judged(
        "Critics argue that the ferry contract was signed without a vote.",
        "Read the full council minutes here.",
    )
    explained = render_text(report, explain=True)
    assert "vague:" in explained or "verb:argue" in explained
    assert "call to action:Read" in explained


def test_attributed_marks_reported_speech_and_thought() -> None:
    report = judged(
        "Mayor Tomas Lind believes the ferry should be sold.",
        "The harbour has three berths.",
    )
    assert sentence(report, "Mayor").attributed
    assert not sentence(report, "The harbour").attributed


# The learned decision


MIXED = (
    "Police said two people were arrested on Monday.",
    "The council spent $4 million on the new ferry terminal in 2023.",
    "Rumors have been circulating that the ferry will be sold.",
    "Is the new terminal worth the money? That is simply ridiculous.",
    "The ferry company said fares would rise. It said fuel cost 40% more this year.",
    "Share this article on Facebook",
)


@pytest.mark.parametrize("level", list(Sensitivity))
def test_kind_status_sources_attributed_and_flagged_agree(level: Sensitivity) -> None:
    for s in judged(*MIXED, sensitivity=level).sentences:
        assert s.flagged == (
            s.kind == "claim" and s.status in ("unsourced", "vague") and s.score >= level.threshold
        )
        if s.kind != "claim":
            assert (s.status, s.score, s.flagged) == ("none", 0.0, False)
        if s.status == "sourced":
            assert s.sources and s.attributed and not s.flagged
            assert all(source.kind != "vague" for source in s.sources)
        if s.status == "vague":
            assert s.sources and s.attributed
            assert all(source.kind == "vague" for source in s.sources)
        if s.status == "unsourced":
            assert not s.sources
        assert 0.0 <= s.score <= 1.0
        assert not any("false" in reason.lower() for reason in s.reasons)


def test_operating_points_are_ordered_by_sensitivity() -> None:
    low, medium, high = (level.threshold for level in Sensitivity)
    assert 0.0 < high <= medium <= low < 1.0


def test_a_plain_vague_phrase_is_flagged_at_every_sensitivity() -> None:
    for level in Sensitivity:
        report = judged(
            "Rumors have been circulating that the ferry will be sold.", sensitivity=level
        )
        claim = sentence(report, "Rumors")
        assert (claim.status, claim.flagged) == ("vague", True)
        assert claim.reasons[0].startswith("vague source: 'Rumors")


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Police said two people were arrested on Monday.", "Police"),
        ("Russia has denied responsibility for the attack on the port.", "Russia"),
        ("The White House called the impeachment process a sham.", "White House"),
        ("Governor Ann Reyes urged the council to keep the ferry running.", "Ann Reyes"),
        ("The poll shows the mayor with 42 percent support.", "The poll"),
    ],
)
def test_speech_told_in_the_writers_words_names_its_source(text: str, source: str) -> None:
    claim = sentence(judged(text), text[:12])
    assert claim.status == "sourced" and not claim.flagged
    assert source in [s.name for s in claim.sources]


def test_it_said_continues_the_organisation_that_spoke() -> None:
    report = judged(
        "The ferry company said fares would rise. It said fuel cost 40% more this year."
    )
    assert source_names(report, "It said") == ["The ferry company"]


def test_a_british_single_quoted_quotation_carries_its_speaker() -> None:
    items = evidence(
        "Harbour master Ewan Price said: 'The ferry is finished. It was losing money every week.'"
    )
    assert [s.name for s in items[1].found.sources] == ["Ewan Price"]


def test_item_17_a_source_phrase_of_an_odd_parse_never_crashes() -> None:
    """Issue 12, item 17: "the said" runs once made the phrase of a source empty."""
    from spacy.tokens import Doc

    from analysis.attribution import _phrase

    vocab = load_pipeline(None).vocab
    doc = Doc(vocab, words=["the", "said", "."], heads=[1, 1, 1], deps=["punct", "ROOT", "punct"])
    assert _phrase(doc[0]).text == "the"
    report = judged('"the said" … ' * 20)
    assert report.sentences


def test_item_4_the_document_index_answers_as_spacy_does() -> None:
    """Attribution reads sentences and entities through the index (linear in the text), so
    the index must give exactly what `token.sent` and `span.ents` give."""
    doc = load_pipeline(None)((SEEDS / "000_942a618684aacc33.txt").read_text())
    index = index_of(doc)
    assert index_of(doc) is index
    for token in doc:
        assert index.sentence_of(token) == token.sent
    for sentence in doc.sents:
        assert index.entities_in(sentence) == list(sentence.ents)
        inner = doc[sentence.start + 1 : sentence.end - 1]
        assert index.entities_in(inner) == list(inner.ents)


def test_he_and_she_go_to_the_last_person_of_that_gender_the_article_shows() -> None:
    report = judged(
        "Stephanie Ruhle asked about the campaign on Monday.",
        "Paul Manafort was chairman of the campaign for months before he resigned.",
        "“It seems so unusual to have so many people tied to one government,” she said.",
        "Ms Ruhle later spoke to Mr Jones. “We will see,” he said.",
    )
    assert source_names(report, "“It seems") == ["Stephanie Ruhle"]
    assert source_names(report, "“We will") == ["Mr Jones"]


def test_with_no_gender_shown_he_or_she_is_the_last_subject_named() -> None:
    report = judged("Jordan Lee met Sam Park on Monday. He said the deal was close.")
    assert source_names(report, "He said") == ["Jordan Lee"]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        (
            "Some analysts said the ferry was reportedly sold to Harbour Lines.",
            ["Some analysts", "the ferry", "reportedly", "was reportedly sold"],
        ),
        ("He said the ferry had been sold by Anna Berg.", ["the ferry"]),
        (
            "A source close to the mayor said the ferry was sold.",
            ["A source", "the ferry", "was sold"],
        ),
        ("Anna Berg and Harbour Lines denied it.", []),
    ],
)
def test_vague_source_candidates_stand_where_a_source_stands_and_name_no_one(
    text: str, phrases: list[str]
) -> None:
    """Subjects, passive agents, adverbs of the verb and agentless passives, never a name,
    a personal pronoun or a verb with its agent."""
    from analysis.vague_sources import candidates

    span = load_pipeline(None)(text)[:]
    assert [c.phrase for c in candidates(span)] == phrases


def test_the_vague_source_quoted_is_the_strongest_candidate_from_the_threshold() -> None:
    from analysis.linear import LinearModel
    from analysis.vague_sources import Scorer, strongest

    span = load_pipeline(None)("Some analysts said the ferry was reportedly sold.")[:]
    width = span.vocab.vectors_length
    leaning = LinearModel("vague", {"lemma=reportedly": 3.0, "lemma=analyst": 1.0}, bias=0.0)
    probability, phrase = strongest(Scorer(leaning, width), span)
    assert phrase == "reportedly" and probability > 0.95
    strict = LinearModel("vague", leaning.weights, bias=0.0, threshold=0.99)
    assert strongest(Scorer(strict, width), span) == (probability, None)


def test_the_vague_scorer_gives_the_models_probability_of_every_feature() -> None:
    from analysis.linear import load_model
    from analysis.vague_sources import Scorer, candidates

    span = load_pipeline(None)("Some analysts said the ferry was reportedly sold.")[:]
    model = load_model("vague")
    scorer = Scorer(model, span.vocab.vectors_length)
    for candidate in candidates(span):
        assert scorer.probability(candidate) == pytest.approx(model.probability(candidate.features))


SPEAKERS = (
    "Harbour master Ewan Price said the ferry was late again on Monday.",
    "Mayor Lena Holm blamed the weather. Critics said the timetable was at fault.",
    '"It was losing money every week," Price said. "The crew knew it and the council knew it."',
)


def test_continuing_candidates_are_the_sources_around_nearest_first_never_a_vague_one() -> None:
    from analysis.continuing import article_candidates

    found = article_candidates(evidence(*SPEAKERS))
    assert [[c.source.name for c in candidates] for candidates in found] == [
        ["Lena Holm"],
        ["Ewan Price"],
        ["Lena Holm", "Ewan Price"],
        ["Lena Holm", "Ewan Price"],
        ["Ewan Price", "Lena Holm"],
    ]


def test_a_quotations_later_sentence_carries_its_speaker() -> None:
    assert source_names(judged(*SPEAKERS), '"The crew') == ["Ewan Price"]


def test_overlapping_vague_sources_are_quoted_as_the_phrase_they_make() -> None:
    claim = sentence(judged("Rumors have been circulating that the ferry will be sold."), "Rumors")
    assert [s.name for s in claim.sources] == ["Rumors have been circulating"]
    assert claim.reasons == ("vague source: 'Rumors have been circulating'",)

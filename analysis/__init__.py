"""The analysis core: fetch, extract, NLP, judgement, summary and the report. No chat here."""

from analysis.errors import AnalysisError, ErrorCode
from analysis.fetch import AddressPolicy, FetchedPage, FetchPolicy, fetch_page
from analysis.pipeline import (
    AnalysisOptions,
    Fetched,
    Link,
    LoadedArticle,
    Pasted,
    Target,
    analyse_loaded,
    analyze,
    as_link,
    fetch,
    label,
    load_fetched,
    load_page,
    load_target,
    load_text,
    report_article,
    report_articles,
)
from analysis.render import render_text
from analysis.report import Report, Sensitivity, Sentence, Source, Stats, failure_json

__all__ = [
    "AddressPolicy",
    "AnalysisError",
    "AnalysisOptions",
    "ErrorCode",
    "FetchPolicy",
    "Fetched",
    "FetchedPage",
    "Link",
    "LoadedArticle",
    "Pasted",
    "Report",
    "Sensitivity",
    "Sentence",
    "Source",
    "Stats",
    "Target",
    "analyse_loaded",
    "analyze",
    "as_link",
    "failure_json",
    "fetch",
    "fetch_page",
    "label",
    "load_fetched",
    "load_page",
    "load_target",
    "load_text",
    "render_text",
    "report_article",
    "report_articles",
]

"""The analysis core: fetch, extract, NLP, judgement, summary and the report. No chat here."""

from analysis.errors import AnalysisError, ErrorCode
from analysis.fetch import AddressPolicy, FetchedPage, FetchPolicy, fetch_page
from analysis.pipeline import (
    AnalysisOptions,
    LoadedArticle,
    analyze,
    is_url,
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
    "FetchedPage",
    "LoadedArticle",
    "Report",
    "Sensitivity",
    "Sentence",
    "Source",
    "Stats",
    "analyze",
    "failure_json",
    "fetch_page",
    "is_url",
    "load_page",
    "load_target",
    "load_text",
    "render_text",
    "report_article",
    "report_articles",
]

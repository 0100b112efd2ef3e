"""Labelled articles (`flags-train`, `flags-dev`) read through the analysis core, for training
and for cross-validation: each of our sentences with its features and the gold labels of the
labelled sentences it covers.

Gold sentences are matched to ours as `score_flags.py` matches them (the report sentence
that covers most of the gold sentence's words, at least half), so the figures computed here
are the scorer's figures.
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analysis import load_text
from analysis.flagging import article_features
from analysis.judge import Evidence, read_article
from analysis.nlp import load_pipeline

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
SCORED = frozenset("UVSN")


@dataclass(slots=True)
class Gold:
    """One labelled sentence and the index of our sentence that covers it (None: missing)."""

    text: str
    label: str
    source: str
    match: int | None


@dataclass(slots=True)
class LabelledArticle:
    """One article: our sentences' evidence and features, and its gold sentences."""

    name: str
    dataset: str
    evidence: list[Evidence] = field(default_factory=list)
    features: list[dict[str, float]] = field(default_factory=list)
    attributed: list[float] = field(default_factory=list)
    gold: list[Gold] = field(default_factory=list)

    def labels(self) -> list[float | None]:
        """Per sentence of ours: the share of its scored gold sentences that should be flagged."""
        votes: list[list[bool]] = [[] for _ in self.evidence]
        for g in self.gold:
            if g.match is not None and g.label in SCORED:
                votes[g.match].append(g.label in "UV")
        return [sum(v) / len(v) if v else None for v in votes]


def words(text: str) -> list[str]:
    """The scorer's words."""
    return re.findall(r"\w+", text.translate(QUOTES).lower())


def best_match(gold_words: list[str], ours: list[Counter]) -> int | None:
    """The scorer's matching: the sentence covering most gold words, at least half."""
    want = Counter(gold_words)
    best, best_overlap = None, 0
    for index, counts in enumerate(ours):
        overlap = sum((want & counts).values())
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best if best is not None and best_overlap * 2 >= max(1, len(gold_words)) else None


def dataset_of(labels: dict) -> str:
    """The source collection an article comes from (flags-dev articles are their own)."""
    name = (labels.get("source_dataset") or {}).get("dataset", "dev")
    return {"polnear-test-text": "polnear", "cnndm": "dailymail"}.get(name, name)


def read_labelled(directories: list[Path]) -> Iterator[LabelledArticle]:
    """Every labelled article in `directories`, parsed and judged by the rules, in name order."""
    paths = [p for d in directories for p in sorted(d.glob("*.json"))]
    nlp = load_pipeline(None)
    loaded = [load_text(p.with_suffix(".txt").read_text(encoding="utf-8"), str(p)) for p in paths]
    docs = nlp.pipe((item.article.body for item in loaded), batch_size=8)
    for path, item, doc in zip(paths, loaded, docs, strict=True):
        labels = json.loads(path.read_text())
        article = LabelledArticle(name=path.stem, dataset=dataset_of(labels))
        article.evidence = read_article(doc, item.article)
        article.features, article.attributed = article_features(article.evidence)
        ours = [Counter(words(e.span.text)) for e in article.evidence]
        article.gold = [
            Gold(g["text"], g["label"], g.get("source") or "", best_match(words(g["text"]), ours))
            for g in labels["sentences"]
        ]
        yield article

"""Cross-validation of the flag model: grouped folds, operating points, calibration, on
articles made up for these tests (no shared data, no spaCy)."""

import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from crossval import (
    FOLDS,
    calibrate,
    calibrated,
    counts_at,
    fit,
    folds,
    operating_points,
    platt,
    reliability,
)
from flagdata import Gold, LabelledArticle, best_match, words


def article(name: str, dataset: str, labels: str) -> LabelledArticle:
    """One sentence of ours per label, each covering its own gold sentence."""
    made = LabelledArticle(name=name, dataset=dataset)
    made.evidence = [
        SimpleNamespace(
            vague_cue=False,
            named_sources=(),
            found=SimpleNamespace(sources=[], cues=[], status=None),
        )
        for _ in labels
    ]
    made.features = [{f"w={label}": 1.0, f"n={name}": 1.0} for label in labels]
    made.gold = [Gold(f"s{i}", label, "", i) for i, label in enumerate(labels)]
    return made


ARTICLES = [
    article(f"a{i}", dataset, "UUSN" if i % 2 else "UVSS")
    for i, dataset in enumerate(["bbc", "polnear", "fakenewsnet", "dailymail", "dev"] * 5)
]


def test_no_article_is_in_two_folds_and_every_article_is_tested_once() -> None:
    split = folds(ARTICLES)
    assert len(split) == FOLDS
    tested = [i for _, test in split for i in test]
    assert sorted(tested) == list(range(len(ARTICLES)))
    for train, test in split:
        assert not set(train) & set(test)
    assert split == folds(ARTICLES)


def test_counts_follow_the_scorer() -> None:
    counts = counts_at(ARTICLES[:2], [[True, False, True, False]] * 2)
    assert (counts.tp, counts.fn, counts.fp, counts.tn) == (2, 2, 2, 2)
    assert counts.precision == counts.recall == counts.f1 == 0.5


def test_operating_points_meet_their_targets() -> None:
    probabilities = [[0.9, 0.6, 0.3, 0.1] for _ in ARTICLES]
    points = operating_points(ARTICLES, probabilities)
    assert points["high"] <= points["medium"] <= points["low"]
    at_low = counts_at(ARTICLES, [[p >= points["low"] for p in ps] for ps in probabilities])
    at_high = counts_at(ARTICLES, [[p >= points["high"] for p in ps] for ps in probabilities])
    assert at_low.precision >= 0.9 and at_high.recall >= 0.9


def test_platt_scaling_is_folded_into_the_weights() -> None:
    features = [f for a in ARTICLES for f in a.features]
    labels = [int(g.label in "UV") for a in ARTICLES for g in a.gold]
    model = fit(features, labels, 1.0, "t")
    raw = [[model.probability(f) for f in a.features] for a in ARTICLES]
    slope, intercept = platt(raw, ARTICLES)
    scaled = calibrated(model, slope, intercept)
    expected = calibrate(raw, slope, intercept)
    for a, ps in zip(ARTICLES, expected, strict=True):
        for f, p in zip(a.features, ps, strict=True):
            assert abs(scaled.probability(f) - p) < 0.01
    table, error = reliability(ARTICLES, expected)
    assert sum(size for _, size, _, _ in table) == 4 * len(ARTICLES)
    assert 0.0 <= error < 0.2


def test_gold_sentences_are_matched_as_the_scorer_matches_them() -> None:
    ours = [words("Police said two men were held."), words("The ferry sank.")]
    counted = [Counter(w) for w in ours]
    assert best_match(words("Two men were held, police said."), counted) == 0
    assert best_match(words("An unrelated sentence entirely here."), counted) is None

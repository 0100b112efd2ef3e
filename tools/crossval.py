"""Cross-validation of the flag model, grouped by article: no article is in two folds.

`make train` chooses the regularisation, the calibration and the operating points here;
`make eval` reports the same folds' figures. Folds are stratified by source collection and
seeded, so both see the same split.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flagdata import SCORED, LabelledArticle, words
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from spacy.lang.en.stop_words import STOP_WORDS

from analysis.continuing import Candidate, article_candidates
from analysis.judge import is_flaggable
from analysis.linear import LinearModel
from analysis.report import Status
from analysis.vague_sources import candidates

SEED = 0
FOLDS = 5
MIN_COUNT = 2
LOW_PRECISION = 0.90
HIGH_RECALL = 0.90

Probabilities = list[list[float]]


@dataclass(frozen=True, slots=True)
class Counts:
    """Flag counts over gold sentences, as `score_flags.py` counts them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def folds(articles: Sequence[LabelledArticle]) -> list[tuple[list[int], list[int]]]:
    """Train and test article indices for each fold, grouped by article."""
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    strata = [a.dataset for a in articles]
    groups = [a.name for a in articles]
    return [
        (list(train), list(test))
        for train, test in splitter.split(np.zeros(len(articles)), strata, groups)
    ]


def training_rows(articles: Sequence[LabelledArticle]) -> tuple[list[dict[str, float]], list[int]]:
    """Every sentence of ours that covers a scored gold sentence, with its majority label."""
    features, labels = [], []
    for article in articles:
        for row, share in zip(article.features, article.labels(), strict=True):
            if share is not None:
                features.append(row)
                labels.append(int(share >= 0.5))
    return features, labels


def vague_rows(articles: Sequence[LabelledArticle]) -> tuple[list[dict[str, float]], list[int]]:
    """Every candidate vague source (`analysis.vague_sources`) of the sentences of ours that
    cover scored gold sentences: positive when the gold sentence is vague (V) and the phrase
    shares a content word with the source its readers gave."""
    features, labels = [], []
    for article in articles:
        for gold in article.gold:
            if gold.label not in SCORED or gold.match is None:
                continue
            wanted = content_words(gold.source) if gold.label == "V" else set()
            for candidate in candidates(article.evidence[gold.match].span):
                features.append(candidate.features)
                labels.append(int(bool(wanted & content_words(candidate.phrase))))
    return features, labels


def continuing_rows(
    articles: Sequence[LabelledArticle],
) -> tuple[list[dict[str, float]], list[int]]:
    """The candidates (`analysis.continuing`) of every sentence of ours that names no source
    itself and covers a sourced gold sentence (S) with a source: positive when the candidate
    shares a content word with that source."""
    features, labels = [], []
    for article, found in zip(articles, continuing_candidates(articles), strict=True):
        for gold, candidate in _continuing_pairs(article, found):
            features.append(candidate.features)
            labels.append(
                int(bool(content_words(gold.source) & content_words(candidate.source.name)))
            )
    return features, labels


def continuing_candidates(articles: Sequence[LabelledArticle]) -> list[list[list[Candidate]]]:
    """Every article's candidates, sentence by sentence."""
    return [article_candidates(a.evidence) for a in articles]


def continued_right(
    articles: Sequence[LabelledArticle],
    found: Sequence[list[list[Candidate]]],
    models: Sequence[LinearModel],
) -> tuple[int, int]:
    """Sourced gold sentences (S, with a source) whose sentence names none itself, and how
    many of them each article's model continues with a source sharing a word with the gold
    source, as `score_flags.py` counts source names."""
    right = total = 0
    for article, candidates_of, model in zip(articles, found, models, strict=True):
        for gold in article.gold:
            if not _carries(article, gold):
                continue
            total += 1
            options = candidates_of[gold.match]
            if options:
                best = max(options, key=lambda c: model.probability(c.features))
                right += bool(set(words(gold.source)) & set(words(best.source.name)))
    return right, total


def _carries(article: LabelledArticle, gold) -> bool:
    return (
        gold.label == "S"
        and bool(gold.source)
        and gold.match is not None
        and not article.evidence[gold.match].named_sources
    )


def _continuing_pairs(article: LabelledArticle, found: list[list[Candidate]]):
    for gold in article.gold:
        if _carries(article, gold):
            for candidate in found[gold.match]:
                yield gold, candidate


def content_words(text: str) -> set[str]:
    """The words of `text` less English stop words; all its words when it has no others
    ("some", "many")."""
    everything = set(words(text))
    return everything - STOP_WORDS or everything


def vague_model(articles: Sequence[LabelledArticle], c: float, threshold: float) -> LinearModel:
    """The vague-source model fitted on `articles`, class-balanced, calling a phrase a vague
    source from `threshold`."""
    model = fit(*vague_rows(articles), c, "vague", balanced=True)
    return LinearModel(model.name, model.weights, model.bias, threshold=threshold, params={"C": c})


def vague_calls(
    articles: Sequence[LabelledArticle], probabilities: Probabilities, threshold: float
) -> Counts:
    """Over scored gold sentences to flag (U, V): vague (V) against called vague, where a
    sentence is called vague when the rules found a vague source or its strongest candidate's
    probability reaches `threshold`."""
    tp = fp = fn = tn = 0
    for article, ps in zip(articles, probabilities, strict=True):
        for gold in article.gold:
            if gold.label not in ("U", "V") or gold.match is None:
                continue
            item = article.evidence[gold.match]
            called = item.found.status is Status.VAGUE or ps[gold.match] >= threshold
            vague = gold.label == "V"
            tp += vague and called
            fp += called and not vague
            fn += vague and not called
            tn += not vague and not called
    return Counts(tp, fp, fn, tn)


def fit(
    features: list[dict[str, float]],
    labels: list[int],
    c: float,
    name: str,
    balanced: bool = False,
) -> LinearModel:
    """Logistic regression on the features seen at least MIN_COUNT times, seeded; `balanced`
    weighs the classes inversely to their frequency."""
    counts = Counter(k for f in features for k in f)
    kept = [{k: v for k, v in f.items() if counts[k] >= MIN_COUNT} for f in features]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(kept).tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    classifier = LogisticRegression(
        C=c,
        solver="liblinear",
        random_state=SEED,
        max_iter=5000,
        class_weight="balanced" if balanced else None,
    )
    classifier.fit(matrix, labels)
    weights = {
        key: round(float(w), 4)
        for key, w in zip(vectorizer.get_feature_names_out(), classifier.coef_[0], strict=True)
        if abs(w) >= 1e-4
    }
    return LinearModel(name=name, weights=weights, bias=round(float(classifier.intercept_[0]), 4))


def fold_models(articles: Sequence[LabelledArticle], train) -> list[LinearModel]:
    """For each article, the model `train(training articles)` fitted on the folds without it."""
    models: list[LinearModel] = [None] * len(articles)  # type: ignore[list-item]
    for training, test in folds(articles):
        model = train([articles[i] for i in training])
        for i in test:
            models[i] = model
    return models


def out_of_fold(articles: Sequence[LabelledArticle], c: float) -> Probabilities:
    """Each sentence's flag probability from the model of the fold that held its article out."""
    models = fold_models(articles, lambda training: fit(*training_rows(training), c, "fold"))
    return [[m.probability(f) for f in a.features] for a, m in zip(articles, models, strict=True)]


def counts_at(
    articles: Sequence[LabelledArticle], flagged: Sequence[Sequence[bool]], dataset: str = ""
) -> Counts:
    """The scorer's counts: each scored gold sentence takes the verdict of its sentence."""
    tp = fp = fn = tn = 0
    for article, verdicts in zip(articles, flagged, strict=True):
        if dataset and article.dataset != dataset:
            continue
        for gold in article.gold:
            if gold.label not in SCORED:
                continue
            hit = gold.match is not None and verdicts[gold.match]
            positive = gold.label in "UV"
            tp += positive and hit
            fn += positive and not hit
            fp += hit and not positive
            tn += not hit and not positive
    return Counts(tp, fp, fn, tn)


def threshold_counts(
    articles: Sequence[LabelledArticle],
    probabilities: Probabilities,
    lifted: Probabilities | None = None,
) -> list[tuple[float, Counts]]:
    """Counts at thresholds 0.005 apart; a sentence `lifted` (true) is flagged at any."""
    lifted = lifted or [[0.0] * len(ps) for ps in probabilities]
    candidates = sorted({round(p * 200) / 200 for ps in probabilities for p in ps})
    return [
        (
            t,
            counts_at(
                articles,
                [
                    [p >= t or bool(up) for p, up in zip(ps, ups, strict=True)]
                    for ps, ups in zip(probabilities, lifted, strict=True)
                ],
            ),
        )
        for t in candidates
    ]


def operating_points(
    articles: Sequence[LabelledArticle], probabilities: Probabilities
) -> dict[str, float]:
    """The sensitivities' thresholds, on verdicts as `judge` gives them: `medium` at the best
    F1; `high` at recall >= 0.90 (most precision), where a sentence that names a source
    itself is flagged only from `medium`; then, with sentences that hold a plain vague phrase
    flagged at every sensitivity once flaggable, `medium` again and `low` at precision >= 0.90
    (most recall)."""
    medium = _best_f1(threshold_counts(articles, probabilities))
    points = {"low": 1.0, "medium": medium, "high": medium}
    reachable = [
        [p if is_flaggable(e, p, {**points, "high": 0.0}) else 0.0 for p, e in _items(a, ps)]
        for a, ps in zip(articles, probabilities, strict=True)
    ]
    recalled = [t for t, c in threshold_counts(articles, reachable) if c.recall >= HIGH_RECALL]
    points["high"] = min(max(recalled, default=0.0), medium)
    lifted = [
        [float(e.vague_cue and is_flaggable(e, p, points)) for p, e in _items(a, ps)]
        for a, ps in zip(articles, probabilities, strict=True)
    ]
    table = threshold_counts(articles, probabilities, lifted)
    points["medium"] = max(_best_f1(table), points["high"])
    precise = [t for t, c in table if c.precision >= LOW_PRECISION and c.tp]
    points["low"] = max(min(precise, default=1.0), points["medium"])
    return points


def _best_f1(table: list[tuple[float, Counts]]) -> float:
    return max(table, key=lambda row: (round(row[1].f1, 4), -row[0]))[0]


def _items(article: LabelledArticle, probabilities: list[float]):
    return zip(probabilities, article.evidence, strict=True)


def platt(probabilities: Probabilities, articles: Sequence[LabelledArticle]) -> tuple[float, float]:
    """Slope and intercept that calibrate a logit, fitted on out-of-fold predictions."""
    logits, labels = [], []
    for article, ps in zip(articles, probabilities, strict=True):
        for p, share in zip(ps, article.labels(), strict=True):
            if share is not None:
                logits.append([_logit(p)])
                labels.append(int(share >= 0.5))
    fitted = LogisticRegression(C=1e4, random_state=SEED).fit(np.array(logits), labels)
    return float(fitted.coef_[0][0]), float(fitted.intercept_[0])


def calibrated(model: LinearModel, slope: float, intercept: float) -> LinearModel:
    """`model` with the Platt scaling folded into its weights and bias."""
    weights = {k: round(w * slope, 4) for k, w in model.weights.items()}
    return LinearModel(
        name=model.name,
        weights={k: w for k, w in weights.items() if w},
        bias=round(model.bias * slope + intercept, 4),
        points=model.points,
    )


def calibrate(probabilities: Probabilities, slope: float, intercept: float) -> Probabilities:
    """Apply Platt scaling to probabilities."""
    return [[_sigmoid(slope * _logit(p) + intercept) for p in ps] for ps in probabilities]


def reliability(
    articles: Sequence[LabelledArticle], probabilities: Probabilities, bins: int = 10
) -> tuple[list[tuple[str, int, float, float]], float]:
    """Rows (bin, sentences, mean score, share that should be flagged) and the expected
    calibration error over sentences of ours that cover scored gold sentences."""
    rows: list[list[tuple[float, float]]] = [[] for _ in range(bins)]
    for article, ps in zip(articles, probabilities, strict=True):
        for p, share in zip(ps, article.labels(), strict=True):
            if share is not None:
                rows[min(bins - 1, int(p * bins))].append((p, share))
    total = sum(len(r) for r in rows)
    table, error = [], 0.0
    for index, members in enumerate(rows):
        if not members:
            continue
        mean = sum(p for p, _ in members) / len(members)
        observed = sum(s for _, s in members) / len(members)
        error += len(members) / total * abs(mean - observed)
        table.append((f"{index / bins:.1f}-{(index + 1) / bins:.1f}", len(members), mean, observed))
    return table, error


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))

"""`make train`: train the attribution classifier the judgement uses, from ../shared/eval.

attribution: PolNeAR `train` sentences (attributed with a source, or content of an
attribution made elsewhere, vs none), features from `analysis/features.py`; the
regularisation is chosen on PolNeAR `dev`. The same features and trainer give the
ClaimBuster check-worthiness and CoNLL-2010 weasel figures of `make eval` (5-fold
cross-validation, regularisation chosen by that cross-validation: CLAIMBUSTER_C, WEASEL_C);
those two models are measured, not shipped: blended into `score` the check-worthiness model
lowered flags-dev F1 (news opinion pieces are not debates), and rules already find vague
sources.

Deterministic: fixed seeds, fixed order, weights rounded and written with sorted keys, so
the same data and model give the same bytes. Only the weights are written (analysis/data/);
the data stays in ../shared.
"""

import argparse
import csv
import hashlib
import json
import pickle
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from analysis.features import (
    Surroundings,
    attribution_features,
    quote_open_after,
    sentence_features,
)
from analysis.linear import LinearModel, save_model
from analysis.nlp import OUR_COMPONENTS, load_pipeline

SEED = 0
POSITIVE_ATTRIBUTION = frozenset({"attribution_with_source", "content_of_attribution_elsewhere"})
C_GRID = (0.1, 0.3, 1.0)
CLAIMBUSTER_C = 0.3
WEASEL_C = 1.0
MIN_COUNT = 2
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "analysis" / "data"
CACHE = ROOT / ".cache" / "train"

Features = list[dict[str, float]]


def polnear(nlp, path: Path) -> tuple[Features, list[int]]:
    """Attribution features and labels for every PolNeAR sentence, with its surroundings."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text().splitlines():
        row = json.loads(line)
        by_article[row["article"]].append(row)
    rows = [row for name in sorted(by_article) for row in by_article[name]]
    docs = nlp.pipe((row["text"].strip() or "." for row in rows), batch_size=256)
    features: Features = []
    labels: list[int] = []
    previous, article, in_quote, new_paragraph = None, None, False, True
    for row, doc in zip(rows, docs, strict=True):
        if row["article"] != article:
            previous, article, in_quote, new_paragraph = None, row["article"], False, True
        if new_paragraph:
            in_quote = False
        span = doc[:]
        where = Surroundings(previous=previous, new_paragraph=new_paragraph, in_quote=in_quote)
        features.append(attribution_features(span, where))
        labels.append(int(row["label"] in POSITIVE_ATTRIBUTION))
        in_quote = quote_open_after(row["text"], in_quote)
        new_paragraph = row["text"].endswith("\n")
        previous = span
    return features, labels


def sentences(nlp, texts: list[str]) -> Features:
    """Sentence-only features of each text."""
    return [sentence_features(doc[:]) for doc in nlp.pipe(texts, batch_size=256)]


def claimbuster(nlp, path: Path) -> tuple[Features, list[int]]:
    """ClaimBuster check-worthiness: features and labels."""
    rows = json.loads(path.read_text())
    return sentences(nlp, [r["text"] for r in rows]), [int(r["label"]) for r in rows]


def weasel(nlp, path: Path) -> tuple[Features, list[int]]:
    """CoNLL-2010 weasel sentences: features and labels."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sentences(nlp, [r["text"].strip() for r in rows]), [int(r["label"]) for r in rows]


def cached(read, path: Path) -> tuple[Features, list[int]]:
    """`read(nlp, path)`, kept in .cache/train/ until the data or the feature code changes."""
    source = (ROOT / "analysis" / "features.py").read_bytes() + path.read_bytes()
    key = hashlib.sha256(source + read.__name__.encode()).hexdigest()[:16]
    store = CACHE / f"{read.__name__}-{key}.pickle"
    if store.exists():
        return pickle.loads(store.read_bytes())
    nlp = load_pipeline(None)
    with nlp.select_pipes(disable=list(OUR_COMPONENTS)):
        result = read(nlp, path)
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(pickle.dumps(result))
    return result


def fit(features: Features, labels: list[int], c: float, name: str) -> LinearModel:
    """Logistic regression on the features seen at least MIN_COUNT times."""
    counts = Counter(k for f in features for k in f)
    kept = [{k: v for k, v in f.items() if counts[k] >= MIN_COUNT} for f in features]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(kept).tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    classifier = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=2000)
    classifier.fit(matrix, labels)
    weights = {
        name: round(float(w), 4)
        for name, w in zip(vectorizer.get_feature_names_out(), classifier.coef_[0], strict=True)
        if abs(w) >= 1e-4
    }
    return LinearModel(name=name, weights=weights, bias=round(float(classifier.intercept_[0]), 4))


def f1_of(model: LinearModel, features: Features, labels: list[int]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class at the model's threshold."""
    predicted = [model.probability(f) >= model.threshold for f in features]
    tp = sum(p and g for p, g in zip(predicted, labels, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, labels, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, labels, strict=True))
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def cross_validated_f1(features: Features, labels: list[int], c: float, folds: int = 5) -> float:
    """Mean F1 of the positive class over stratified, seeded folds."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    scores = []
    for train, test in splitter.split(features, labels):
        model = fit([features[i] for i in train], [labels[i] for i in train], c, "fold")
        scores.append(f1_of(model, [features[i] for i in test], [labels[i] for i in test])[2])
    return sum(scores) / len(scores)


def main() -> None:
    """Train the attribution model, choose its regularisation on PolNeAR dev, save it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    polnear_dir = args.shared / "eval" / "polnear"
    train_x, train_y = cached(polnear, polnear_dir / "train_sentences.jsonl")
    dev_x, dev_y = cached(polnear, polnear_dir / "dev_sentences.jsonl")
    scored = []
    for c in C_GRID:
        model = fit(train_x, train_y, c, "attribution")
        precision, recall, f1 = f1_of(model, dev_x, dev_y)
        print(f"attribution C={c}: PolNeAR dev P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
        scored.append((f1, c, model))
    f1, c, attribution = max(scored, key=lambda s: s[0])
    path = args.out / "attribution.json.gz"
    save_model(attribution, str(path))
    print(f"saved {path} (C={c}, {len(attribution.weights)} weights, {path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

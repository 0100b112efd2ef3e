"""`make train`: train the four models the judgement uses, from ../shared/eval.

attribution: PolNeAR `train` sentences (attributed with a source, or content of an
attribution made elsewhere, vs none), features from `analysis/features.py`; the
regularisation is chosen on PolNeAR `dev`.

flags: the flag decision (`analysis/flagging.py`), a logistic regression over each
sentence's words and parse, the rules' findings, the attribution model's probability and
its neighbours' findings. Regularisation is chosen by the mean F1 over folds grouped by
article (`tools/crossval.py`) over flags-train + flags-dev; the probability is calibrated
(Platt scaling on the out-of-fold predictions) and the sensitivities are operating points on
the calibrated folds. The shipped weights are fitted on flags-train alone.

vague: the vague-source model (`analysis/vague_sources.py`), a class-balanced logistic
regression over each candidate phrase (the phrase the readers gave as a `V` sentence's
source against every other candidate); regularisation and threshold chosen by the F1 of
vague calls (V against U) on the same folds, the weights fitted on flags-train alone.

continuing: which earlier source a sentence that names none carries on
(`analysis/continuing.py`), a logistic regression over each candidate source (the source
the readers gave for an `S` sentence against the others); regularisation chosen by how many
such sentences get the right source on the same folds, weights fitted on flags-train alone.

The same features and trainer give the ClaimBuster check-worthiness and CoNLL-2010 weasel
figures of `make eval` (5-fold cross-validation, regularisation CLAIMBUSTER_C, WEASEL_C).
Neither is shipped: as features of the flag model, their probabilities did not raise the
grouped cross-validated F1 (news is not debate, nor Wikipedia).

Deterministic: fixed seeds, fixed order, weights rounded and written with sorted keys, so
the same data and model give the same bytes. Only the weights are written (analysis/data/);
the data stays in ../shared.
"""

import argparse
import csv
import hashlib
import json
import pickle
from collections import defaultdict
from pathlib import Path

from crossval import (
    SEED,
    calibrate,
    calibrated,
    continued_right,
    continuing_candidates,
    continuing_rows,
    counts_at,
    fit,
    fold_models,
    folds,
    operating_points,
    out_of_fold,
    platt,
    training_rows,
    vague_calls,
    vague_model,
)
from flagdata import read_labelled
from sklearn.model_selection import StratifiedKFold

from analysis.features import (
    Surroundings,
    attribution_features,
    quote_open_after,
    sentence_features,
)
from analysis.linear import LinearModel, load_model, save_model
from analysis.nlp import OUR_COMPONENTS, load_pipeline
from analysis.vague_sources import Scorer, strongest

POSITIVE_ATTRIBUTION = frozenset({"attribution_with_source", "content_of_attribution_elsewhere"})
C_GRID = (0.1, 0.3, 1.0)
CLAIMBUSTER_C = 0.3
WEASEL_C = 1.0
FLAGS_C_GRID = (0.01, 0.03, 0.1, 0.3)
VAGUE_C_GRID = (0.1, 0.3, 1.0)
CONTINUING_C_GRID = (0.1, 0.3, 1.0)
VAGUE_THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))
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


def train_attribution(polnear_dir: Path, out: Path) -> None:
    """The attribution model: trained on PolNeAR train, regularisation chosen on dev."""
    train_x, train_y = cached(polnear, polnear_dir / "train_sentences.jsonl")
    dev_x, dev_y = cached(polnear, polnear_dir / "dev_sentences.jsonl")
    scored = []
    for c in C_GRID:
        model = fit(train_x, train_y, c, "attribution")
        precision, recall, f1 = f1_of(model, dev_x, dev_y)
        print(f"attribution C={c}: PolNeAR dev P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
        scored.append((f1, c, model))
    f1, c, attribution = max(scored, key=lambda s: s[0])
    save(attribution, out / "attribution.json.gz", f"C={c}")


def train_flags(eval_dir: Path, out: Path) -> None:
    """The flag and vague models: regularisation, calibration and operating points chosen on
    folds grouped by article over flags-train + flags-dev; the shipped weights fitted on
    flags-train alone."""
    articles = list(read_labelled([eval_dir / "flags-train", eval_dir / "flags-dev"]))
    best = None
    for c in FLAGS_C_GRID:
        probabilities = out_of_fold(articles, c)
        point = operating_points(articles, probabilities)["medium"]
        mean = fold_mean_f1(articles, probabilities, point)
        print(f"flags C={c}: mean fold F1 {mean:.3f} at {point:.3f}")
        if best is None or mean > best[0]:
            best = (mean, c, probabilities)
    _, c, probabilities = best
    slope, intercept = platt(probabilities, articles)
    points = operating_points(articles, calibrate(probabilities, slope, intercept))
    training = [a for a in articles if a.dataset != "dev"]
    model = calibrated(fit(*training_rows(training), c, "flags"), slope, intercept)
    model = LinearModel(model.name, model.weights, model.bias, points=points, params={"C": c})
    save(model, out / "flags.json.gz", f"C={c}, points {points}")
    train_vague(articles, out)
    train_continuing(articles, out)


def train_continuing(articles, out: Path) -> None:
    """The continuing-attribution model: regularisation chosen by how many sourced sentences
    that name no source themselves it continues with the right source on the same folds; the
    shipped weights fitted on flags-train alone."""
    found = continuing_candidates(articles)
    best = None
    for c in CONTINUING_C_GRID:
        models = fold_models(articles, lambda part, c=c: fit(*continuing_rows(part), c, "fold"))
        right, total = continued_right(articles, found, models)
        print(f"continuing C={c}: right source {right}/{total} = {right / max(1, total):.3f}")
        if best is None or right > best[0]:
            best = (right, c)
    _, c = best
    training = [a for a in articles if a.dataset != "dev"]
    model = fit(*continuing_rows(training), c, "continuing")
    model = LinearModel(model.name, model.weights, model.bias, params={"C": c})
    save(model, out / "continuing.json.gz", f"C={c}")


def train_vague(articles, out: Path) -> None:
    """The vague-source model: regularisation and threshold chosen by the F1 of vague calls
    (V against U) on the same folds; the shipped weights fitted on flags-train alone."""
    width = load_pipeline(None).vocab.vectors_length
    best = None
    for c in VAGUE_C_GRID:
        models = fold_models(articles, lambda part, c=c: vague_model(part, c, 0.5))
        scorers = [Scorer(m, width) for m in models]
        probabilities = [
            [strongest(scorer, item.span)[0] for item in a.evidence]
            for a, scorer in zip(articles, scorers, strict=True)
        ]
        for threshold in VAGUE_THRESHOLDS:
            counts = vague_calls(articles, probabilities, threshold)
            print(
                f"vague C={c} threshold {threshold:.2f}: P {counts.precision:.3f} "
                f"R {counts.recall:.3f} F1 {counts.f1:.3f}"
            )
            if best is None or counts.f1 > best[0]:
                best = (counts.f1, c, threshold)
    _, c, threshold = best
    training = [a for a in articles if a.dataset != "dev"]
    save(vague_model(training, c, threshold), out / "vague.json.gz", f"C={c}, from {threshold}")


def fold_mean_f1(articles, probabilities, threshold: float) -> float:
    """The mean over folds of flags F1 at `threshold`."""
    scores = []
    for _, test in folds(articles):
        held = [articles[i] for i in test]
        flagged = [[p >= threshold for p in probabilities[i]] for i in test]
        scores.append(counts_at(held, flagged).f1)
    return sum(scores) / len(scores)


def save(model: LinearModel, path: Path, note: str) -> None:
    """Write a model and say what was written."""
    save_model(model, str(path))
    print(f"saved {path} ({note}, {len(model.weights)} weights, {path.stat().st_size} bytes)")


def main() -> None:
    """Train the attribution model, then the flag model over it; save both."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--only",
        choices=("attribution", "flags"),
        help="attribution: the PolNeAR model; flags: the flag, vague-source and continuing "
        "models, trained on the labelled articles",
    )
    args = parser.parse_args()
    eval_dir = args.shared / "eval"
    if args.only in (None, "attribution"):
        train_attribution(eval_dir / "polnear", args.out)
        load_model.cache_clear()
    if args.only in (None, "flags"):
        train_flags(eval_dir, args.out)


if __name__ == "__main__":
    main()

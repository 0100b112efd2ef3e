"""Small trained linear classifiers: load their weights once, score feature sets.

The weights are trained by `make train` (`tools/train.py`) on the public data in
`../shared/eval` and shipped as gzip JSON in `analysis/data/`; the data never is.
"""

import gzip
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "analysis.data"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A logistic-regression model over named features; `points` are named operating points
    (thresholds on the probability), e.g. one per sensitivity; `params` how it was trained
    (e.g. its regularisation `C`)."""

    name: str
    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    points: dict[str, float] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)

    def logit(self, features: dict[str, float]) -> float:
        """The log-odds of the positive class for one feature set."""
        return self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())

    def probability(self, features: dict[str, float]) -> float:
        """P(positive class) for one feature set."""
        return sigmoid(self.logit(features))

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "name": self.name,
            "bias": self.bias,
            "threshold": self.threshold,
            "weights": self.weights,
            "points": self.points,
            "params": self.params,
        }


def sigmoid(logit: float) -> float:
    """The probability for a log-odds, clamped to +-30 so it never overflows."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def save_model(model: LinearModel, path: str) -> None:
    """Write `model` as gzip JSON (deterministic bytes: sorted keys, no timestamp)."""
    payload = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":")).encode()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(payload)


@cache
def load_model(name: str) -> LinearModel:
    """The shipped model `name` (e.g. "attribution"), read once per process."""
    data = resources.files(DATA_PACKAGE).joinpath(f"{name}.json.gz").read_bytes()
    stored = json.loads(gzip.decompress(data))
    return LinearModel(
        name=stored["name"],
        weights=stored["weights"],
        bias=stored["bias"],
        threshold=stored["threshold"],
        points=stored.get("points", {}),
        params=stored.get("params", {}),
    )

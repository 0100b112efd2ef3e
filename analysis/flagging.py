"""The learned flag decision: features of a sentence in its article, and the model over them.

The rules (`judge.read_article`) say what they see in each sentence: its kind, the sources
attribution found and the cues behind them. Here those findings become features, beside
the sentence's own words and parse, the trained attribution model's probability, and what
the sentences before and after it say (a source often comes one sentence later, and a run
of figures continues the survey named before it). A logistic regression trained on labelled
articles (`make train`) turns them into the probability that the sentence should be
flagged; the sensitivities are operating points on that probability.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from analysis.evidence import Evidence
from analysis.features import attribution_features
from analysis.linear import LinearModel, load_model
from analysis.report import FLAG_MODEL
from analysis.vague_sources import Scorer, strongest

LOOKBACK = 6
VAGUE_MODEL = "vague"
ATTRIBUTION_MODEL = "attribution"
PREVIOUS_PREFIXES = ("p.", "p=")


def article_features(items: Sequence[Evidence]) -> tuple[list[dict[str, float]], list[float]]:
    """Each sentence's flag features and its attribution probability, parsing features once."""
    attribution = load_model(ATTRIBUTION_MODEL)
    base = [attribution_features(item.span, item.where) for item in items]
    attributed = [attribution.probability(features) for features in base]
    return [flag_features(items, base, attributed, i) for i in range(len(items))], attributed


def rule_features(item: Evidence, attributed: float) -> dict[str, float]:
    """What the rules and the attribution model say of one sentence, as named features."""
    found = item.found
    features = {f"kind={item.kind}": 1.0, f"status={found.status or 'none'}": 1.0}
    for cue in item.kind_cues:
        features[f"kcue={cue.split(':')[0]}"] = 1.0
    for cue in found.cues:
        features[f"cue={cue.split(':')[0]}"] = 1.0
    for source in found.sources:
        features[f"src={source.kind}"] = 1.0
    features["attr.p"] = attributed
    features[f"attr.bin={min(4, int(attributed * 5))}"] = 1.0
    return features


def flag_features(
    items: Sequence[Evidence],
    base: Sequence[dict[str, float]],
    attributed: Sequence[float],
    i: int,
) -> dict[str, float]:
    """The features of sentence `i` of an article: its own (`base`, the attribution features,
    less what they say of the sentence before, which the neighbours' summaries say better)
    and the rules', then its neighbours' summaries."""
    item = items[i]
    features = {k: v for k, v in base[i].items() if not k.startswith(PREVIOUS_PREFIXES)}
    features.update(rule_features(item, attributed[i]))
    features["pos=first" if i == 0 else "pos=later"] = 1.0
    features.update(_last_source(items, i))
    for label, j in (("prev", i - 1), ("next", i + 1)):
        if 0 <= j < len(items):
            same = items[j].paragraph == item.paragraph
            for name, value in rule_features(items[j], attributed[j]).items():
                features[f"{label}.{name}"] = value
                if same:
                    features[f"{label}.same.{name}"] = value
    return features


@dataclass(frozen=True, slots=True)
class Scores:
    """The trained models' view of one sentence: P(flag), the vague-source model's highest
    probability over its phrases, P(it reports someone's words), and the vague source (the
    phrase with that probability, when it reaches the model's threshold)."""

    flag: float
    vague: float
    attributed: float
    vague_source: str | None = None


def score_article(
    items: Sequence[Evidence], flags: LinearModel | None = None, vague: LinearModel | None = None
) -> list[Scores]:
    """Every sentence's scores, from the shipped models unless others are given."""
    flags = flags or load_model(FLAG_MODEL)
    vague_scorer = Scorer(vague or load_model(VAGUE_MODEL), _vector_width(items))
    features_of, attributed = article_features(items)
    scores = []
    for item, features, attributed_p in zip(items, features_of, attributed, strict=True):
        vague_p, vague_source = strongest(vague_scorer, item.span)
        scores.append(
            Scores(
                flag=flags.probability(features),
                vague=vague_p,
                attributed=attributed_p,
                vague_source=vague_source,
            )
        )
    return scores


def _vector_width(items: Sequence[Evidence]) -> int:
    """The width of the pipeline's word vectors (0 for an article with no sentences)."""
    return items[0].span.vocab.vectors_length if items else 0


def _last_source(items: Sequence[Evidence], i: int) -> dict[str, float]:
    """How far back (in sentences, up to LOOKBACK) the nearest named source stands, its kind,
    and whether it is in this paragraph: a run of figures continues the survey named before."""
    for distance in range(1, LOOKBACK + 1):
        if i - distance < 0:
            break
        earlier = items[i - distance]
        kinds = {str(s.kind) for s in earlier.found.sources if s.kind != "vague"}
        if kinds:
            same = "same" if earlier.paragraph == items[i].paragraph else "other"
            return {
                f"last.d={distance}": 1.0,
                f"last.p={same}": 1.0,
                **{f"last.k={kind}|{same}": 1.0 for kind in kinds},
            }
    return {"last.none": 1.0}

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

from analysis.evidence import Evidence
from analysis.features import attribution_features, sentence_features
from analysis.linear import load_model
from analysis.report import FLAG_MODEL


def attribution_probability(item: Evidence) -> float:
    """The trained attribution model's P(the sentence reports someone's words)."""
    return load_model("attribution").probability(attribution_features(item.span, item.where))


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
    items: Sequence[Evidence], attributed: Sequence[float], i: int
) -> dict[str, float]:
    """The features of sentence `i` of an article: its own, then its neighbours' summaries."""
    item = items[i]
    features = sentence_features(item.span)
    features.update(rule_features(item, attributed[i]))
    features["pos=first" if i == 0 else "pos=later"] = 1.0
    features["ctx=new_paragraph" if item.where.new_paragraph else "ctx=same_paragraph"] = 1.0
    if item.where.in_quote:
        features["ctx=in_quote"] = 1.0
    for label, j in (("prev", i - 1), ("next", i + 1)):
        if 0 <= j < len(items):
            same = items[j].paragraph == item.paragraph
            for name, value in rule_features(items[j], attributed[j]).items():
                features[f"{label}.{name}"] = value
                if same:
                    features[f"{label}.same.{name}"] = value
    return features


def flag_probabilities(items: Sequence[Evidence], attributed: Sequence[float]) -> list[float]:
    """The shipped flag model's probability, for each sentence, that it should be flagged."""
    model = load_model(FLAG_MODEL)
    return [model.probability(flag_features(items, attributed, i)) for i in range(len(items))]

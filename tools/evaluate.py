"""`make eval`: measure the analysis core against ../shared/eval and print one table.

Flags on folds grouped by article over flags-train + flags-dev (the figures the flag model
is chosen by, per source collection, with a reliability table of `score`), flags on
flags-dev with the shipped model (the shared scorer), sentence-level attribution on PolNeAR dev (the
`attributed` field), 5-fold cross-validated F1 of our sentence features on ClaimBuster and
CoNLL-2010 weasel, extraction on the article-extraction benchmark pages (its 4-gram shingle
F1), ROUGE of the summary and of LEAD-3 on CNN/DailyMail, and the summary's faithfulness on
flags-train and CNN/DailyMail (sentences opening with an unresolved pronoun or connective,
cut quotations, and flagged summary sentences left unmarked).
"""

import argparse
import ast
import gzip
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from crossval import (
    calibrate,
    calibrated,
    continuing_rows,
    counts_at,
    fit,
    fold_models,
    operating_points,
    platt,
    reliability,
    training_rows,
    vague_model,
)
from flagdata import best_match, read_labelled, words
from train import (
    CLAIMBUSTER_C,
    POSITIVE_ATTRIBUTION,
    WEASEL_C,
    cached,
    claimbuster,
    cross_validated_f1,
    weasel,
)

from analysis import AnalysisOptions, Report, load_text, report_articles
from analysis.extract import extract_html
from analysis.flagging import score_article
from analysis.judge import judge_sentences
from analysis.linear import load_model
from analysis.report import Sensitivity
from analysis.summary import cuts_quote, names_source, opens_unresolved

KINDS = ("folds", "flags", "polnear", "learned", "extraction", "rouge", "summary")
DATASETS = ("fakenewsnet", "polnear", "dailymail", "bbc", "dev")
SHINGLE_TOKEN = re.compile(r"\w+", re.UNICODE)


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--only", choices=KINDS, nargs="*")
    parser.add_argument("--per-article", action="store_true")
    args = parser.parse_args()
    eval_dir = args.shared / "eval"
    chosen = set(args.only or KINDS)
    rows: list[tuple[str, str]] = []
    options = AnalysisOptions()
    if "folds" in chosen:
        rows += evaluate_folds(eval_dir)
    if "flags" in chosen:
        rows += evaluate_flags(eval_dir, options, args.per_article)
    if "polnear" in chosen:
        rows += evaluate_polnear(eval_dir, options)
    if "learned" in chosen:
        rows += evaluate_learned(eval_dir)
    if "extraction" in chosen:
        rows += evaluate_extraction(eval_dir)
    if "rouge" in chosen:
        rows += evaluate_rouge(eval_dir, options)
    if "summary" in chosen:
        rows += evaluate_summary_faults(eval_dir, options)
    width = max(len(name) for name, _ in rows)
    print("\nmetric".ljust(width + 1), "value")
    for name, value in rows:
        print(name.ljust(width), value)


def evaluate_flags(
    eval_dir: Path, options: AnalysisOptions, per_article: bool
) -> list[tuple[str, str]]:
    """flags-dev: precision, recall, F1 of `flagged`, sources named, vague called vague."""
    label_dir = eval_dir / "flags-dev"
    texts = sorted(label_dir.glob("*.txt"))
    loaded = [load_text(path.read_text(encoding="utf-8"), str(path)) for path in texts]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
        for report in report_articles(loaded, options):
            out.write(json.dumps(report.to_json()) + "\n")
    command = [sys.executable, str(label_dir.parent / "score_flags.py"), str(label_dir), out.name]
    if per_article:
        command.append("--per-article")
    printed = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    print(printed)
    found = dict(re.findall(r"(precision|recall|F1)=([0-9.]+)", printed))
    sources = re.search(r"sources named correctly: \S+ = ([0-9.]+)", printed)
    vague = re.search(r"vague attributions called vague: \S+ = ([0-9.]+)", printed)
    return [
        ("flags-dev precision", found.get("precision", "?")),
        ("flags-dev recall", found.get("recall", "?")),
        ("flags-dev F1", found.get("F1", "?")),
        ("flags-dev sources named correctly", sources.group(1) if sources else "?"),
        ("flags-dev vague called vague", vague.group(1) if vague else "?"),
    ]


def evaluate_folds(eval_dir: Path) -> list[tuple[str, str]]:
    """Grouped cross-validation over flags-train + flags-dev, with the shipped models'
    regularisation and the calibration and operating points `make train` chose on these folds:
    flags at each sensitivity, overall and per source, sources named, vague called vague,
    and a reliability table of `score`."""
    articles = list(read_labelled([eval_dir / "flags-train", eval_dir / "flags-dev"]))
    shipped = load_model("flags")
    c = shipped.params["C"]
    flag_models = fold_models(articles, lambda part: fit(*training_rows(part), c, "fold"))
    raw = [
        [m.probability(f) for f in a.features] for a, m in zip(articles, flag_models, strict=True)
    ]
    slope, intercept = platt(raw, articles)
    probabilities = calibrate(raw, slope, intercept)
    points = operating_points(articles, probabilities)
    vague = load_model("vague")
    vague_models = fold_models(
        articles, lambda part: vague_model(part, vague.params["C"], vague.threshold)
    )
    continuing = load_model("continuing").params["C"]
    continuing_models = fold_models(
        articles, lambda part: fit(*continuing_rows(part), continuing, "fold")
    )
    scores = [
        score_article(a.evidence, calibrated(flags, slope, intercept), vague)
        for a, flags, vague in zip(articles, flag_models, vague_models, strict=True)
    ]
    print(f"folds: operating points {points} (shipped {shipped.points})")
    rows: list[tuple[str, str]] = []
    for level in Sensitivity:
        verdicts = [
            judge_sentences(a.evidence, ss, points, level, model)
            for a, ss, model in zip(articles, scores, continuing_models, strict=True)
        ]
        flagged = [[s.flagged for s in v] for v in verdicts]
        for dataset in ("", *DATASETS) if level is Sensitivity.MEDIUM else ("",):
            counts = counts_at(articles, flagged, dataset)
            name = f"folds {level} {dataset or 'all'}"
            rows.append((f"{name} P / R / F1", _prf_text(counts)))
        if level is Sensitivity.MEDIUM:
            rows += _sources_and_vague(articles, verdicts)
            rows += _error_classes(articles, verdicts)
    table, error = reliability(articles, probabilities)
    print("reliability of score (folds): bin, sentences, mean score, share to flag")
    for label, size, mean, observed in table:
        print(f"  {label}  {size:5d}  {mean:.3f}  {observed:.3f}")
    rows.append(("folds score expected calibration error", f"{error:.3f}"))
    return rows


def _prf_text(counts) -> str:
    return f"{counts.precision:.3f} / {counts.recall:.3f} / {counts.f1:.3f} (tp {counts.tp})"


def _sources_and_vague(articles, verdicts) -> list[tuple[str, str]]:
    """Sourced gold sentences whose sentence names a source sharing a word with the gold
    source, and vague gold sentences called vague, as `score_flags.py` counts them; and how
    many of the scored sentences called vague are vague."""
    named = sourced = vague = called = calls = 0
    for article, sentences in zip(articles, verdicts, strict=True):
        for gold in article.gold:
            match = sentences[gold.match] if gold.match is not None else None
            if gold.label == "S" and gold.source:
                sourced += 1
                want = set(words(gold.source))
                named += bool(match) and any(want & set(words(s.name)) for s in match.sources)
            if gold.label == "V":
                vague += 1
                called += bool(match) and match.status == "vague"
            if gold.label in "UVSN" and match and match.status == "vague":
                calls += 1
    return [
        ("folds sources named correctly", f"{named / max(1, sourced):.3f} ({named}/{sourced})"),
        ("folds vague called vague", f"{called / max(1, vague):.3f} ({called}/{vague})"),
        ("folds vague calls that are vague", f"{called / max(1, calls):.3f} ({called}/{calls})"),
    ]


def _error_classes(articles, verdicts) -> list[tuple[str, str]]:
    """The wrong verdicts by what went wrong: a flag on a sourced (S) or non-assertion (N)
    sentence, split by what the rules saw there; a missed U or V sentence; the wrong status
    on a right flag."""
    errors: Counter[str] = Counter()
    for article, sentences in zip(articles, verdicts, strict=True):
        for gold in article.gold:
            if gold.label not in "UVSN" or gold.match is None:
                continue
            verdict, item = sentences[gold.match], article.evidence[gold.match]
            if verdict.flagged and gold.label in "SN":
                seen = "a named source" if item.named_sources else "no source"
                errors[f"flagged {gold.label}, rules: {item.kind}, {seen}"] += 1
            elif not verdict.flagged and gold.label in "UV":
                errors[f"missed {gold.label}"] += 1
            elif verdict.flagged and (gold.label == "V") != (verdict.status == "vague"):
                errors[f"flagged {gold.label} called {verdict.status}"] += 1
    return [(f"folds medium errors: {name}", str(n)) for name, n in sorted(errors.items())]


def evaluate_polnear(eval_dir: Path, options: AnalysisOptions) -> list[tuple[str, str]]:
    """PolNeAR dev: is each sentence attributed? Plus agentless sentences called vague."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    for line in (eval_dir / "polnear" / "dev_sentences.jsonl").read_text().splitlines():
        row = json.loads(line)
        by_article[row["article"]].append(row)
    names = sorted(by_article)
    loaded = [load_text("".join(r["text"] for r in by_article[name]), name) for name in names]
    counts: Counter[str] = Counter()
    source_hits = source_total = 0
    for name, report in zip(names, report_articles(loaded, options), strict=True):
        offset = 0
        for row in by_article[name]:
            text = row["text"]
            match = _match_sentence(report, text)
            offset += len(text)
            if row["label"] == "no_attribution" and offset <= len(text) + 2:
                continue  # the headline line is not a body sentence
            gold = row["label"] in POSITIVE_ATTRIBUTION
            predicted = bool(match and match.attributed)
            counts[("t" if gold == predicted else "f") + ("p" if predicted else "n")] += 1
            if row["label"] == "attribution_no_source":
                counts["agentless"] += 1
                counts["agentless_vague"] += bool(match and match.status == "vague")
            if row["label"] == "attribution_with_source" and match:
                gold_sources = {a.get("source_text") or "" for a in row["attributions"]} - {""}
                if gold_sources:
                    source_total += 1
                    source_hits += _source_overlap(gold_sources, match)
    precision, recall, f1 = _prf(counts["tp"], counts["fp"], counts["fn"])
    return [
        ("PolNeAR dev attribution precision", f"{precision:.3f}"),
        ("PolNeAR dev attribution recall", f"{recall:.3f}"),
        ("PolNeAR dev attribution F1", f"{f1:.3f}"),
        (
            "PolNeAR dev agentless called vague",
            f"{counts['agentless_vague'] / max(1, counts['agentless']):.3f}",
        ),
        ("PolNeAR dev source-name overlap", f"{source_hits / max(1, source_total):.3f}"),
    ]


def evaluate_learned(eval_dir: Path) -> list[tuple[str, str]]:
    """5-fold cross-validated F1 of our features and trainer on ClaimBuster and CoNLL weasel."""
    claims = cached(claimbuster, eval_dir / "claimbuster" / "train.json")
    weasels = cached(weasel, eval_dir / "weasel" / "train.csv")
    return [
        ("ClaimBuster check-worthy 5-fold F1", f"{cross_validated_f1(*claims, CLAIMBUSTER_C):.3f}"),
        ("CoNLL-2010 weasel 5-fold F1", f"{cross_validated_f1(*weasels, WEASEL_C):.3f}"),
    ]


def _match_sentence(report: Report, text: str):
    """The report sentence the scorer would match to `text` (`flagdata.best_match`)."""
    ours = [Counter(words(sentence.text)) for sentence in report.sentences]
    index = best_match(words(text), ours)
    return report.sentences[index] if index is not None else None


def _source_overlap(gold_sources: set[str], sentence) -> bool:
    pronouns = {"he", "she", "they", "it", "i", "we", "him", "her", "them"}
    gold = {w for s in gold_sources for w in words(s)}
    if gold and gold <= pronouns:
        return bool(sentence.sources)
    predicted = {w for s in sentence.sources for w in words(s.name)}
    return bool(gold & predicted)


def evaluate_extraction(eval_dir: Path) -> list[tuple[str, str]]:
    """The article-extraction benchmark's metric: mean shingle precision and recall, their F1."""
    root = eval_dir / "extraction"
    truth = json.loads((root / "ground-truth.json").read_text())
    precisions, recalls = [], []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        try:
            predicted = extract_html(html, item.get("url")).body
        except Exception:
            predicted = ""
        tp, fp, fn = _shingle_counts(item.get("articleBody", ""), predicted)
        if fp == fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision, recall = statistics.mean(precisions), statistics.mean(recalls)
    f1 = 2 * precision * recall / (precision + recall)
    return [
        ("extraction precision", f"{precision:.3f}"),
        ("extraction recall", f"{recall:.3f}"),
        ("extraction F1", f"{f1:.3f}"),
    ]


def _shingle_counts(true: str, predicted: str) -> tuple[float, float, float]:
    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = SHINGLE_TOKEN.findall(text or "")
        return Counter(
            tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens[i : i + 4]
        )

    want, got = shingles(true), shingles(predicted)
    tp = sum((want & got).values())
    return tp, sum((got - want).values()), sum((want - got).values())


def evaluate_rouge(eval_dir: Path, options: AnalysisOptions) -> list[tuple[str, str]]:
    """ROUGE-1/2/Lsum (F) of the summary and of LEAD-3 (no word limit) on CNN/DailyMail."""
    from rouge_score import rouge_scorer

    rows = [
        json.loads(line) for line in (eval_dir / "cnndm" / "cnndm25.jsonl").read_text().splitlines()
    ]
    loaded = [load_text(row["article"], row["id"]) for row in rows]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    ours: dict[str, list[float]] = defaultdict(list)
    lead: dict[str, list[float]] = defaultdict(list)
    words = []
    for row, report in zip(rows, report_articles(loaded, options), strict=True):
        reference = _reference(row)
        summary = "\n".join(report.summary)
        words.append(len(summary.split()))
        lead3 = "\n".join(s.text for s in report.sentences[:3])
        for name, score in scorer.score(reference, summary).items():
            ours[name].append(score.fmeasure)
        for name, score in scorer.score(reference, lead3).items():
            lead[name].append(score.fmeasure)
    result = []
    for name in ("rouge1", "rouge2", "rougeLsum"):
        result.append((f"cnndm summary {name}", f"{100 * statistics.mean(ours[name]):.1f}"))
        result.append((f"cnndm LEAD-3 {name}", f"{100 * statistics.mean(lead[name]):.1f}"))
    result.append(("cnndm summary words (max)", str(max(words))))
    return result


def evaluate_summary_faults(eval_dir: Path, options: AnalysisOptions) -> list[tuple[str, str]]:
    """How often a summary sentence opens with an unresolved pronoun or connective (the
    article's sentence before it not in the summary), holds a cut quotation, or is flagged
    by the report yet not marked, and how often the summary of an article that names a
    source names one too, on flags-train and CNN/DailyMail."""
    train = sorted((eval_dir / "flags-train").glob("*.txt"))
    rows = [
        json.loads(line) for line in (eval_dir / "cnndm" / "cnndm25.jsonl").read_text().splitlines()
    ]
    sets = {
        "flags-train": [load_text(path.read_text(encoding="utf-8"), str(path)) for path in train],
        "cnndm": [load_text(row["article"], row["id"]) for row in rows],
    }
    result = []
    for name, loaded in sets.items():
        counts: Counter[str] = Counter()
        for report in report_articles(loaded, options):
            counts.update(_summary_faults(report))
        total = counts["sentences"]
        result += [
            (f"{name} summary sentences", str(total)),
            (f"{name} summary unresolved openings", _share(counts["unresolved"], total)),
            (f"{name} summary cut quotations", _share(counts["cut quote"], total)),
            (f"{name} summary flagged / marked", f"{counts['flagged']} / {counts['marked']}"),
            (
                f"{name} summary names a source (articles naming one)",
                _share(counts["names a source"], counts["article names one"]),
            ),
        ]
    return result


def _summary_faults(report: Report) -> Counter[str]:
    chosen = set(report.summary_sentences)
    marked = report.marked_summary()
    faults: Counter[str] = Counter()
    faults["article names one"] += any(map(names_source, report.sentences))
    faults["names a source"] += any(names_source(report.sentences[i]) for i in chosen)
    for text, index, shown in zip(report.summary, report.summary_sentences, marked, strict=True):
        faults["sentences"] += 1
        faults["unresolved"] += opens_unresolved(text) and index - 1 not in chosen
        faults["cut quote"] += cuts_quote(text)
        faults["flagged"] += report.sentences[index].flagged
        faults["marked"] += report.sentences[index].flagged and shown != text
    return faults


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.3f}" if whole else "0/0"


def _reference(row: dict) -> str:
    for key in ("highlights", "reference", "summary", "abstract"):
        if key in row:
            value = row[key]
            if isinstance(value, str) and value.startswith("["):
                value = ast.literal_eval(value)
            return "\n".join(value) if isinstance(value, list) else value
    raise KeyError(f"no reference summary in {sorted(row)}")


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


if __name__ == "__main__":
    main()

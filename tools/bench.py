"""`make bench`: speed and memory of the analysis over real articles, against a bare `nlp.pipe`.

Every figure times the real pipeline (`analysis/pipeline.py`: `load_text`, `report_articles`,
`report_article`), not a copy of it. Prints articles/s and words/s, median and p95
per-article latency, time per stage, peak RSS, and the ratio of the whole analysis time to a
bare `nlp.pipe` over the same texts with the same model (the floor any analysis on this
model pays); then how the time per character of one long pasted text grows from 10,000 to
100,000 characters (the body's cap). Runs are repeated and medians given; peak RSS is read
before the long texts.
"""

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from analysis import AnalysisOptions, LoadedArticle, load_text, report_article, report_articles
from analysis.nlp import OUR_COMPONENTS, load_pipeline
from analysis.pipeline import PIPE_BATCH

LONG_TEXTS = (10_000, 100_000)


def load_articles(shared: Path, count: int) -> list[str]:
    """The first `count` non-empty article texts of ../shared/eval/articles, in a fixed order."""
    root = shared / "eval" / "articles"
    texts: list[str] = []
    for path in sorted((root / "fakenewsnet").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text = (data.get("text") or "").strip()
        if len(text.split()) >= 50:
            title = (data.get("title") or "").strip()
            texts.append(f"{title}\n\n{text}" if title else text)
    for path in sorted((root / "polnear-test-text").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts[:count]


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = load_articles(args.shared, args.articles)
    options = AnalysisOptions()
    nlp = load_pipeline(options.model)
    loaded = [load_text(text, f"article-{i}") for i, text in enumerate(texts)]
    bodies = [item.article.body for item in loaded]
    words = sum(len(body.split()) for body in bodies)

    bare_times, full_times, extract_times = [], [], []
    for _ in range(args.repeat):
        with nlp.select_pipes(disable=list(OUR_COMPONENTS)):
            started = time.perf_counter()
            for _doc in nlp.pipe(bodies, batch_size=PIPE_BATCH):
                pass
            bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        extracted = [load_text(text) for text in texts]
        extracted_at = time.perf_counter()
        for _report in report_articles(extracted, options):
            pass
        full_times.append(time.perf_counter() - started)
        extract_times.append(extracted_at - started)

    per_article_ms = _per_article_latency(loaded, options)
    full, floor = statistics.median(full_times), statistics.median(bare_times)
    extract = statistics.median(extract_times)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scaling = _long_text_scaling(texts, options, args.repeat)
    print(
        f"articles: {len(texts)}  words: {words}  repeats: {args.repeat}  model: {nlp.meta['name']}"
    )
    print(f"throughput (median): {len(texts) / full:.1f} articles/s, {words / full:.0f} words/s")
    print(
        f"per-article latency (one at a time): median {statistics.median(per_article_ms):.1f} ms, "
        f"p95 {_percentile(per_article_ms, 95):.1f} ms"
    )
    print("time per stage (median over repeats, all articles):")
    print(f"  extract  {extract * 1000:8.0f} ms   (pipeline.load_text)")
    print(f"  analyse  {(full - extract) * 1000:8.0f} ms   (pipeline.report_articles)")
    print(f"  of which beyond a bare nlp.pipe: {(full - extract - floor) * 1000:.0f} ms")
    print(f"bare nlp.pipe (median): {floor:.2f} s   whole analysis (median): {full:.2f} s")
    print(f"ratio whole analysis / bare nlp.pipe: {full / floor:.2f}")
    print(f"peak RSS: {rss_mb:.0f} MB")
    print("long texts, whole analysis (median), ms per 1,000 characters:")
    for characters, per_thousand in scaling.items():
        print(f"  {characters:>7,} characters: {per_thousand:.1f}")
    small, large = scaling.values()
    print(f"  ratio {LONG_TEXTS[1]:,} / {LONG_TEXTS[0]:,} (1.0 is linear): {large / small:.2f}")


def _per_article_latency(loaded: list[LoadedArticle], options: AnalysisOptions) -> list[float]:
    """Milliseconds of `report_article`, one article at a time."""
    latencies = []
    for item in loaded:
        started = time.perf_counter()
        report_article(item, options)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _long_text_scaling(texts: list[str], options, repeat: int) -> dict[int, float]:
    """Time per 1,000 characters of one long pasted text at each of LONG_TEXTS' sizes."""
    joined = "\n\n".join(texts)
    scaling = {}
    for characters in LONG_TEXTS:
        item = load_text(joined[:characters])
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            report_article(item, options)
            times.append(time.perf_counter() - started)
        scaling[characters] = statistics.median(times) * 1000 / (characters / 1000)
    return scaling


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()

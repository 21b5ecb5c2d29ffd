"""Metric lists for memcurve scorers: the headline, and breakdowns by category, size, solver and solver x size.

What the log's results carry (and so Inspect's end-of-run panel prints): only the headline, `correct`
of the `headline` scorer with its clustered stderr (HEADLINE_METRICS). Every other memcurve scorer
declares NO_METRICS: Inspect prints every metric of every scorer in that panel, cut at 80 columns, which
made it 185 lines of breakdowns and rows of nan and 0.000. Their per-sample scores and the sample
metadata stay in the log, and `memcurve report` (evals.analysis) recomputes every breakdown from them;
`breakdown`, `accuracy_metrics` and `mean_metrics` remain for a scorer or task that wants the groups in
Inspect's results as well.

Standard errors are clustered by history (Inspect's `stderr(cluster="history_id")`): every question
of one history shares its text, so they are not independent draws; ConvoMem clusters the same way.
Group names in the log read `category/user_facts`, `size/30`, `solver/rag`, `solver/rag/size/30`,
with `.../stderr` next to each. Unscored (NaN) samples never reach a metric: Inspect drops them first,
and a group whose samples are all unscored does not appear.

Traps (Inspect AI 0.3.x, inspect_ai/scorer/_metrics): `grouped()` and `stderr(cluster=)` raise when a sample lacks the key, so
callers pass only keys their dataset has (the memcurve dataset has all of GROUPS); metrics see
epoch-reduced values, which `accuracy`, `mean` and `stderr` convert with `value_to_float()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.scorer import (
    Metric,
    SampleScore,
    Value,
    accuracy,
    grouped,
    mean,
    metric,
    stderr,
)

CLUSTER = "history_id"
GROUPS: tuple[str, ...] = ("category", "size", "solver")
CROSSED: tuple[tuple[str, ...], ...] = (("solver", "size"),)
NO_METRICS: list[Metric] = []  # scores kept per sample only (see the module docstring)


def headline_metrics(cluster: str = CLUSTER) -> list[Metric]:
    """The one thing the results panel shows: accuracy with its history-clustered standard error."""
    return [accuracy(), stderr(cluster=cluster)]



@metric
def breakdown(center: str = "accuracy", groups: Sequence[str] = GROUPS,
              crossings: Sequence[Sequence[str]] = CROSSED, cluster: str = CLUSTER) -> Metric:
    """`center` and its clustered stderr per value of each group key and each crossing of keys.

    One metric returning every group, because Inspect keeps only one metric per registered name for
    each key of a dict-valued score (`resolve_glob_metric_keys`), so several `grouped()` would be
    silently dropped there. Inside, Inspect's own `grouped()` (distinct name templates, all=False) and
    `stderr(cluster=...)` do the work; a crossing is grouped through one synthetic metadata key
    ("solver/size" = "solver/rag/size/30").
    """
    center_metric = {"accuracy": accuracy, "mean": mean}[center]()
    plans = [(key, None) for key in groups] + [("/".join(keys), list(keys)) for keys in crossings]
    parts = []
    for key, crossed_keys in plans:
        prefix = "{group_name}" if crossed_keys else f"{key}/{{group_name}}"
        parts.append((key, crossed_keys, [
            grouped(center_metric, key, all=False, name_template=prefix),
            grouped(stderr(cluster=cluster), key, all=False, name_template=f"{prefix}/stderr"),
        ]))

    def compute(scores: list[SampleScore]) -> Value:
        out: dict[str, float] = {}
        for key, crossed_keys, metrics in parts:
            tagged = scores if crossed_keys is None else [_tag(s, key, crossed_keys) for s in scores]
            for m in metrics:
                out.update(m(tagged))  # type: ignore[arg-type]
        return out

    return compute


def _tag(score: SampleScore, key: str, keys: list[str]) -> SampleScore:
    md = dict(score.sample_metadata or {})
    md[key] = "/".join(f"{k}/{md.get(k)}" for k in keys)
    return SampleScore(score=score.score, sample_id=score.sample_id, sample_metadata=md, scorer=score.scorer)


def accuracy_metrics(groups: Sequence[str] = GROUPS, crossings: Sequence[Sequence[str]] = CROSSED,
                     cluster: str = CLUSTER) -> list[Metric]:
    """Accuracy overall and per group/crossing, each with a history-clustered standard error."""
    by_group = breakdown("accuracy", list(groups), [list(c) for c in crossings], cluster)
    return [accuracy(), stderr(cluster=cluster), by_group]


def mean_metrics(groups: Sequence[str] = GROUPS, crossings: Sequence[Sequence[str]] = (),
                 cluster: str = CLUSTER) -> list[Metric]:
    """The same for rates and scores in [0, 1] that are not right/wrong (recall, ndcg, overflow)."""
    by_group = breakdown("mean", list(groups), [list(c) for c in crossings], cluster)
    return [mean(), stderr(cluster=cluster), by_group]

"""Metric lists for memcurve scorers: overall, by category, by history size, by solver and by solver x size.

Standard errors are clustered by history (Inspect's `stderr(cluster="history_id")`): every question
of one history shares its text, so they are not independent draws; ConvoMem clusters the same way.
Group names in the log read `category/user_facts`, `size/30`, `solver/rag`, `solver/rag/size/30`,
with `.../stderr` next to each. Unscored (NaN) samples never reach a metric: Inspect drops them first,
and a group whose samples are all unscored does not appear.

Traps handled here (inspect_ai.md §3): `grouped()` and `stderr(cluster=)` raise when a sample lacks
the key, so callers pass only keys their dataset has; metrics see epoch-reduced values, so custom
metrics apply `value_to_float()`.
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


def group_metrics(center: Metric, key: str, cluster: str = CLUSTER) -> list[Metric]:
    """`center` and its clustered stderr per value of the metadata `key` (names `key/value[/stderr]`)."""
    return [
        grouped(center, key, all=False, name_template=f"{key}/{{group_name}}"),
        grouped(stderr(cluster=cluster), key, all=False, name_template=f"{key}/{{group_name}}/stderr"),
    ]


@metric
def crossed(keys: Sequence[str] = ("solver", "size"), center: str = "accuracy", cluster: str = CLUSTER) -> Metric:
    """The metric per combination of several metadata keys, e.g. accuracy of each solver at each size.

    Names read `solver/rag/size/30` (and `.../stderr`, clustered). The combinations become one synthetic
    metadata key that Inspect's own `grouped()` then groups by, so the numbers equal `grouped`'s.
    """
    keys = list(keys)
    combo = "/".join(keys)
    center_metric = {"accuracy": accuracy, "mean": mean}[center]()
    by_combo = [
        grouped(center_metric, combo, all=False),
        grouped(stderr(cluster=cluster), combo, all=False, name_template="{group_name}/stderr"),
    ]

    def compute(scores: list[SampleScore]) -> Value:
        tagged = []
        for s in scores:
            md = dict(s.sample_metadata or {})
            md[combo] = "/".join(f"{k}/{md.get(k)}" for k in keys)
            tagged.append(SampleScore(score=s.score, sample_id=s.sample_id, sample_metadata=md, scorer=s.scorer))
        out: dict[str, float] = {}
        for m in by_combo:
            out.update(m(tagged))  # type: ignore[arg-type]
        return out

    return compute


def accuracy_metrics(groups: Sequence[str] = GROUPS, crossings: Sequence[Sequence[str]] = CROSSED,
                     cluster: str = CLUSTER) -> list[Metric]:
    """Accuracy overall, per group and per crossing, each with a history-clustered standard error."""
    return _metrics(accuracy(), "accuracy", groups, crossings, cluster)


def mean_metrics(groups: Sequence[str] = GROUPS, crossings: Sequence[Sequence[str]] = (),
                 cluster: str = CLUSTER) -> list[Metric]:
    """The same for rates and scores in [0, 1] that are not right/wrong (recall, ndcg, overflow)."""
    return _metrics(mean(), "mean", groups, crossings, cluster)


def _metrics(center: Metric, center_name: str, groups: Sequence[str], crossings: Sequence[Sequence[str]],
             cluster: str) -> list[Metric]:
    out: list[Metric] = [center, stderr(cluster=cluster)]
    for key in groups:
        out += group_metrics(center, key, cluster)
    for keys in crossings:
        out.append(crossed(list(keys), center_name, cluster))
    return out

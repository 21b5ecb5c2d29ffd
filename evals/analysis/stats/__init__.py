"""Statistics for memcurve results: intervals, paired tests, curves, crossovers, power.

Array functions take numpy arrays or polars Series (NaN is not dropped there); the frame helpers take
the tidy results table of evals.analysis.results (solver, size, correct, cost_usd, history_id, persona_id, ...)
and drop unscored rows (null/NaN ``correct``).

    from memcurve.evals.analysis import stats
    table = stats.summarise(frame, by=["solver", "size", "category"], cluster="history_id")
    curves = stats.accuracy_curves(frame, cluster="persona_id", n_resamples=2000, seed=0)
    for x in stats.pairwise_crossovers(curves):
        print(x.sentence)
    costs = stats.cost_curves(frame, cost="cost_usd")
    paired = stats.compare_solvers(frame, "full_context", "rag", by=["size"])
    n = stats.questions_needed_paired(delta=0.05, difference_variance=0.2)

Clustering: within one size, questions of a history are correlated (cluster="history_id"); across
sizes, histories of a persona are nested and repeat its questions, so curves and crossovers
cluster by persona (or chain). Bootstraps use numpy Generators seeded explicitly: same seed, same
numbers.
"""

from memcurve.evals.analysis.stats.crossover import (
    COST_TOLERANCE,
    INTERVAL_METHOD,
    NOLIMA_SHARE,
    RELIABLE_SHARE,
    Crossover,
    EffectiveLength,
    crossover,
    crossovers_to_frame,
    effective_length,
    pairwise_crossovers,
)
from memcurve.evals.analysis.stats.curves import (
    FIT_ALPHA,
    MIN_CLUSTERS,
    Curve,
    FitCheck,
    accuracy_curve,
    accuracy_curves,
    cost_curves,
    curves_to_frame,
    fit_logistic,
    isotonic,
    log_bins,
)
from memcurve.evals.analysis.stats.intervals import (
    FEW_CLUSTERS,
    MeanInterval,
    clopper_pearson,
    effective_n_interval,
    clt_se,
    cluster_bootstrap_ci,
    cluster_bootstrap_ratio_ci,
    clustered_ci,
    clustered_se,
    wilson_interval,
)
from memcurve.evals.analysis.stats.paired import PairedComparison, compare_solvers, mcnemar_exact, paired_comparison
from memcurve.evals.analysis.stats.power import (
    design_effect,
    minimum_detectable_effect_paired,
    minimum_detectable_effect_two_proportions,
    observed_design_effect,
    paired_difference_variance,
    questions_needed_paired,
    questions_needed_two_proportions,
)
from memcurve.evals.analysis.stats.resample import Resampling, StatsError
from memcurve.evals.analysis.stats.summary import accuracy_per_dollar, summarise

__all__ = [
    "COST_TOLERANCE", "EffectiveLength", "FEW_CLUSTERS", "FIT_ALPHA", "FitCheck", "INTERVAL_METHOD", "MIN_CLUSTERS",
    "NOLIMA_SHARE", "RELIABLE_SHARE", "clopper_pearson", "effective_length", "effective_n_interval", "isotonic",
    "log_bins", "Crossover", "Curve", "MeanInterval", "PairedComparison", "Resampling", "StatsError", "accuracy_curve",
    "accuracy_curves", "accuracy_per_dollar", "clt_se", "cluster_bootstrap_ci", "cluster_bootstrap_ratio_ci",
    "clustered_ci", "clustered_se", "compare_solvers", "cost_curves", "crossover", "crossovers_to_frame",
    "curves_to_frame", "design_effect", "fit_logistic", "mcnemar_exact", "minimum_detectable_effect_paired",
    "minimum_detectable_effect_two_proportions", "observed_design_effect", "paired_comparison",
    "paired_difference_variance", "pairwise_crossovers", "questions_needed_paired",
    "questions_needed_two_proportions", "summarise", "wilson_interval",
]

"""Statistics for memcurve results: intervals, paired tests, curves, crossovers, power.

Everything takes numpy arrays or polars columns/frames; the frame helpers expect the tidy results
table of evals.results (columns such as solver, size, correct, cost_usd, history_id, persona_id).
"""

from evals.stats.crossover import Crossover, crossover, pairwise_crossovers
from evals.stats.curves import Curve, accuracy_curve, accuracy_curves, cost_curves, fit_logistic
from evals.stats.intervals import (
    MeanInterval,
    clt_se,
    cluster_bootstrap_ci,
    cluster_bootstrap_ratio_ci,
    clustered_ci,
    clustered_se,
    wilson_interval,
)
from evals.stats.paired import PairedComparison, compare_solvers, mcnemar_exact, paired_comparison
from evals.stats.power import (
    design_effect,
    minimum_detectable_effect_paired,
    minimum_detectable_effect_two_proportions,
    observed_design_effect,
    paired_difference_variance,
    questions_needed_paired,
    questions_needed_two_proportions,
)
from evals.stats.resample import Resampling, StatsError
from evals.stats.summary import accuracy_per_dollar, summarise

__all__ = [
    "Crossover", "Curve", "MeanInterval", "PairedComparison", "Resampling", "StatsError",
    "accuracy_curve", "accuracy_curves", "accuracy_per_dollar", "clt_se", "cluster_bootstrap_ci",
    "cluster_bootstrap_ratio_ci", "clustered_ci", "clustered_se", "compare_solvers", "cost_curves",
    "crossover", "design_effect", "fit_logistic", "mcnemar_exact", "minimum_detectable_effect_paired",
    "minimum_detectable_effect_two_proportions", "observed_design_effect", "paired_comparison",
    "paired_difference_variance", "pairwise_crossovers", "questions_needed_paired",
    "questions_needed_two_proportions", "summarise", "wilson_interval",
]

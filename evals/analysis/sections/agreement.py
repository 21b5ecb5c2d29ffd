"""Judge agreement: how often the LLM judge and the deterministic check agree where both scored."""

from __future__ import annotations

import polars as pl

from memcurve.evals.analysis.sections.base import Context, section


@section("agreement", order=80)
def judge_agreement(ctx: Context) -> list[str]:
    sized = ctx.sized
    if not {"judge", "answer_check"} <= set(sized.columns):
        return []
    both = sized.filter(pl.col("judge").is_not_nan() & pl.col("answer_check").is_not_nan())
    if both.height == 0:
        return []
    agree = (both["judge"] == both["answer_check"]).mean()
    return ["### Judge agreement", "",
            f"The LLM judge and the deterministic check agree on {agree:.1%} of {both.height} samples scored by both.", ""]

"""Judge audit: labelled replies from the ground truth, graded by every grader, turned into TPR/FPR/kappa."""

from memcurve.evals.judge_audit.rates import audit_markdown, false_positive_rates, kappas, rates, read_audit
from memcurve.evals.judge_audit.replies import KINDS, LabelledReply, audit_replies, labelled_replies
from memcurve.evals.judge_audit.task import judge_audit_task

__all__ = ["KINDS", "LabelledReply", "audit_markdown", "audit_replies", "false_positive_rates", "judge_audit_task",
           "kappas", "labelled_replies", "rates", "read_audit"]

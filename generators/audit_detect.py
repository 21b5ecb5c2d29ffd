"""Shortcut detectors for `memcurve audit`: can evidence be found from its surface alone?

Two detectors, each trained on one store and tested on another (or on two halves of one store's personas):
- messages: TF-IDF over words and word pairs of each message, L2-regularised logistic regression;
- conversation shape: message count, tokens, speaker order and per-turn lengths, no words at all.
A detector at AUC 0.5 ranks evidence no better than chance; 1.0 finds it perfectly. Everything here is
scipy + numpy (already dependencies): sparse matrices and L-BFGS, no model files.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse
from scipy.stats import rankdata

_WORD = re.compile(r"[a-z0-9$£€]+(?:'[a-z]+)?")
MAX_FEATURES = 50_000
MIN_DF = 2
L2 = 1.0  # regularisation strength (per example, i.e. C = 1 / (L2 * n))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); nan without both classes."""
    labels = np.asarray(labels, dtype=bool)
    pos, neg = int(labels.sum()), int((~labels).sum())
    if not pos or not neg:
        return math.nan
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _tokens(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    words = [re.sub(r"\d", "0", w) for w in words]  # digits as shapes: "$45" and "$120" look alike
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class Tfidf:
    """A TF-IDF vocabulary fitted on training texts (sublinear tf, smoothed idf, L2-normalised rows)."""

    def __init__(self, texts: list[str]) -> None:
        df: Counter = Counter()
        for text in texts:
            df.update(set(_tokens(text)))
        kept = [t for t, c in df.most_common(MAX_FEATURES) if c >= MIN_DF]
        self.index = {t: i for i, t in enumerate(sorted(kept))}
        n = len(texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in sorted(kept)])

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            counts = Counter(t for t in _tokens(text) if t in self.index)
            if not counts:
                continue
            ids = np.array([self.index[t] for t in counts])
            w = (1 + np.log(np.array(list(counts.values()), dtype=float))) * self.idf[ids]
            w /= np.linalg.norm(w)
            rows.extend([r] * len(ids))
            cols.extend(ids.tolist())
            vals.extend(w.tolist())
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.index)))


def logistic_fit(x, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights (last = intercept) of an L2 logistic regression, classes weighted to equal total weight."""
    y = np.asarray(y, dtype=float)
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    weight = np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * neg))
    n, d = x.shape

    def loss(w: np.ndarray):
        z = x @ w[:d] + w[d]
        # log(1 + exp(-s z)) with s = 2y - 1, computed stably
        s = 2 * y - 1
        m = -s * z
        value = np.sum(weight * np.logaddexp(0, m)) / n + 0.5 * l2 * np.dot(w[:d], w[:d]) / n
        g = -s * weight * (1 / (1 + np.exp(-m))) / n
        grad = np.concatenate([x.T @ g + l2 * w[:d] / n, [g.sum()]])
        return value, grad

    result = optimize.minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return result.x


def logistic_scores(x, w: np.ndarray) -> np.ndarray:
    return x @ w[:-1] + w[-1]


def message_detector_scores(train: tuple[list[str], np.ndarray], test: list[str]) -> np.ndarray:
    """Scores of `test` texts by a TF-IDF + logistic regression evidence detector fitted on `train`."""
    vec = Tfidf(train[0])
    w = logistic_fit(vec.transform(train[0]), train[1])
    return logistic_scores(vec.transform(test), w)


def message_detector_auc(train: tuple[list[str], np.ndarray], test: tuple[list[str], np.ndarray]) -> float:
    """AUC on `test` of a TF-IDF + logistic regression evidence detector fitted on `train`."""
    return auc(test[1], message_detector_scores(train, test[0]))


def group_aucs(labels: np.ndarray, scores: np.ndarray, groups: list[str | None]) -> dict[str, float]:
    """AUC of each group of positives (e.g. the evidence of one category) against all negatives."""
    labels = np.asarray(labels, dtype=bool)
    out = {}
    for group in sorted({g for g, y in zip(groups, labels) if y and g}):
        mask = labels & np.array([g == group for g in groups])
        keep = mask | ~labels
        out[group] = auc(mask[keep], scores[keep])
    return out


def within_group_auc(labels: np.ndarray, scores: np.ndarray, groups: list) -> float:
    """AUC over pairs of one positive and one negative of the same group (ties counted half): what the scores
    tell apart beyond the group.

    Tested on questions of several slots, a detector of abstention from wording also learns which slots
    abstention asks about more; within a slot that prior adds the same to both questions of a pair, so only
    the wording is left. nan without a group holding both classes."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    u = pairs = 0.0
    for group in set(groups):
        mask = np.array([g == group for g in groups])
        y, s = labels[mask], scores[mask]
        pos, neg = int(y.sum()), int((~y).sum())
        if pos and neg:
            u += rankdata(s)[y].sum() - pos * (pos + 1) / 2
            pairs += pos * neg
    return float(u / pairs) if pairs else math.nan


@dataclass(frozen=True)
class PermutationResult:
    auc: float
    null_95: float  # the 95th percentile of the AUC with training labels shuffled within each group
    p: float  # share of shuffles (plus one) reaching the observed AUC: small = the detector learned something


def within_group_permutation(train: tuple[list[str], np.ndarray, list], test: tuple[list[str], np.ndarray, list],
                             rounds: int = 200, seed: int = 0) -> PermutationResult:
    """The text detector's within-group AUC (train and test: texts, labels, groups) against detectors fitted
    on the same texts with the labels shuffled within each training group.

    A few hundred questions with three wordings a slot leave the AUC of a detector that learned nothing
    spread far wider than the test set alone implies (the detector's own fit is noise too); the shuffles
    measure that spread, so a high AUC is told from a lucky one."""
    vec = Tfidf(train[0])
    x_train, x_test = vec.transform(train[0]), vec.transform(test[0])
    labels, groups = np.asarray(train[1], dtype=bool), list(train[2])

    def fitted_auc(y: np.ndarray) -> float:
        return within_group_auc(test[1], logistic_scores(x_test, logistic_fit(x_train, y)), test[2])

    observed = fitted_auc(labels)
    rng = np.random.default_rng(seed)
    where = {g: np.flatnonzero([h == g for h in groups]) for g in set(groups)}
    null = []
    for _ in range(rounds):
        y = labels.copy()
        for idx in where.values():
            y[idx] = rng.permutation(y[idx])
        null.append(fitted_auc(y))
    null = np.array(null)
    return PermutationResult(observed, float(np.quantile(null, 0.95)), float((1 + (null >= observed).sum()) / (1 + rounds)))


SHAPE_FEATURES = ("messages", "log_tokens", "user_share", "first_is_user", "last_is_user", "longest_run",
                  "mean_user_tokens", "mean_assistant_tokens", "max_tokens", "min_tokens", "short_messages")


def shape_features(speakers: list[str], tokens: list[int]) -> list[float]:
    """Shape of one conversation, without its words."""
    n = len(speakers)
    users = [t for s, t in zip(speakers, tokens) if s == "user"]
    assistants = [t for s, t in zip(speakers, tokens) if s != "user"]
    run = best = 0
    for a, b in zip([None, *speakers], speakers):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return [n, math.log1p(sum(tokens)), len(users) / n, float(speakers[0] == "user"), float(speakers[-1] == "user"),
            best, float(np.mean(users)) if users else 0.0, float(np.mean(assistants)) if assistants else 0.0,
            max(tokens), min(tokens), sum(1 for t in tokens if t < 40) / n]


def shape_detector_auc(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> float:
    """AUC on `test` of a logistic regression on standardised shape features (with squares) fitted on `train`."""
    def expand(x: np.ndarray) -> np.ndarray:
        return np.hstack([x, x ** 2])

    xtr, xte = expand(train[0]), expand(test[0])
    mean, std = xtr.mean(axis=0), xtr.std(axis=0) + 1e-9
    w = logistic_fit((xtr - mean) / std, train[1], l2=0.1)
    return auc(test[1], logistic_scores((xte - mean) / std, w))

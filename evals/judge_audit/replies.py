"""Labelled replies built from a benchmark's own ground truth, to measure how often a judge is fooled.

For each question (its AnswerKey: gold, candidate values of its kind, options, stale values), replies of
known correctness, each tagged with its kind:
- paraphrase (correct): the gold in a sentence, and a second wording (number words, "pottery class"
  without its article); for abstention questions, two ways of saying the detail was never mentioned;
- other_value: another value from the same pool (another name, another number, another rubric's demand);
- stale: a changing fact's superseded value, given as current;
- vague: on topic, but commits to nothing;
- candidate_list: the gold among other candidates;
- long_hedge: a long, careful-sounding reply that names the gold and two rivals without choosing;
- abstain_known: "I don't know" although the answer was given;
- answer_unknown: a concrete (invented) answer to an abstention question.
Every kind but paraphrase is wrong. The same seed gives the same replies.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from memcurve.evals.scorers.answer_key import AnswerKey

KINDS = ("paraphrase", "other_value", "stale", "vague", "candidate_list", "long_hedge", "abstain_known",
         "answer_unknown")
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


@dataclass(frozen=True)
class LabelledReply:
    question_id: str
    kind: str
    reply: str
    correct: bool


def labelled_replies(key: AnswerKey, seed: int = 0, rubric_pool: Sequence[str] = ()) -> list[LabelledReply]:
    """The labelled replies of one question (see module docstring); rubric_pool: other rubric answers of
    the same question type (the rubric's "other value")."""
    rng = random.Random(f"judge-audit:{seed}:{key.question_id}")
    if key.is_abstention or key.answer_kind == "abstention":
        return _abstention(key, rng)
    if key.answer_kind == "rubric":
        return _rubric(key, rng, rubric_pool)
    if _numeric(key):
        return _number(key, rng)
    return _text(key, rng)


def _make(key: AnswerKey, rows: list[tuple[str, str, bool]]) -> list[LabelledReply]:
    return [LabelledReply(key.question_id, kind, reply, correct) for kind, reply, correct in rows if reply]


def _numeric(key: AnswerKey) -> bool:
    try:
        float(key.golds[0])
    except (IndexError, ValueError):
        return False
    return key.answer_kind == "number" or bool(key.numbers)


def _rivals(key: AnswerKey, rng: random.Random, n: int = 2) -> list[str]:
    pool = [o for o in key.options if o not in key.golds] or list(key.candidates)
    pool = [v for v in pool if v not in key.stale] or pool
    return rng.sample(pool, min(n, len(pool)))


def _hedge(gold: str, a: str, b: str) -> str:
    return (f"Let me think this through carefully, because you have told me a lot over our conversations and I "
            f"would rather not overstate my confidence. It could be {a}; it might also be {gold}, although {b} "
            f"comes to mind as well. Weighing everything, I cannot be completely certain which of these is right, "
            f"so please take this as a considered guess rather than a definite answer.")


def _text(key: AnswerKey, rng: random.Random) -> list[LabelledReply]:
    gold = key.golds[0]
    second = key.golds[1] if len(key.golds) > 1 else gold
    rivals = _rivals(key, rng)
    rows = [("paraphrase", f"{gold}.", True),
            ("paraphrase", f"From what you told me, the answer is {second}.", True),
            ("vague", "It's the one you mentioned when we talked about this a while ago.", False),
            ("abstain_known", "I don't know, you never told me that.", False)]
    if rivals:
        rows.append(("other_value", f"From what you told me, the answer is {rivals[0]}.", False))
    if key.stale:
        rows.append(("stale", f"It's {key.stale[-1]}.", False))
    if len(rivals) >= 2:
        rows.append(("candidate_list", f"It's one of these: {rivals[0]}, {gold} or {rivals[1]}.", False))
        rows.append(("long_hedge", _hedge(gold, rivals[0], rivals[1]), False))
    return _make(key, rows)


def _number(key: AnswerKey, rng: random.Random) -> list[LabelledReply]:
    gold = int(float(key.golds[0]))
    accepted = set(key.numbers) or {float(gold)}
    wrong = [n for n in range(max(0, gold - 4), gold + 5) if float(n) not in accepted]
    rng.shuffle(wrong)
    unit = key.golds[1].split(" ", 1)[1] if len(key.golds) > 1 and " " in key.golds[1] else ""
    word = _NUMBER_WORDS[gold] if 0 <= gold < len(_NUMBER_WORDS) else f"{gold:,}"
    rows = [("paraphrase", f"{gold} {unit}".strip() + ".", True),
            ("paraphrase", f"The answer is {word} {unit}".strip() + ".", True),
            ("other_value", f"The answer is {wrong[0]} {unit}".strip() + ".", False),
            ("vague", "Quite a few, judging by what you told me over our conversations.", False),
            ("candidate_list", f"Maybe {wrong[1]}, {gold} or {wrong[2]}.", False),
            ("long_hedge", _hedge(str(gold), str(wrong[1]), str(wrong[2])), False),
            ("abstain_known", "I don't know, you never told me that.", False)]
    return _make(key, rows)


def _abstention(key: AnswerKey, rng: random.Random) -> list[LabelledReply]:
    pool = list(key.candidates)
    picks = rng.sample(pool, min(3, len(pool)))
    rows = [("paraphrase", "I don't know: you never mentioned that.", True),
            ("paraphrase", "There is no information about that in our earlier conversations.", True)]
    if picks:
        rows.append(("answer_unknown", f"From what you told me, it's {picks[0]}.", False))
    if len(picks) >= 3:
        rows.append(("candidate_list", f"It's one of these: {picks[0]}, {picks[1]} or {picks[2]}.", False))
        rows.append(("long_hedge", _hedge(picks[0], picks[1], picks[2]), False))
    rows.append(("vague", "That is something you mentioned in one of our conversations.", False))
    return _make(key, rows)


def _rubric(key: AnswerKey, rng: random.Random, pool: Sequence[str]) -> list[LabelledReply]:
    want = key.golds[0] if key.golds else key.rubric
    others = [p for p in pool if p and p != want]
    rows = [("paraphrase", f"Here is a suggestion that takes what you told me into account: it will {want}.", True),
            ("vague", "Here are a few general ideas; tell me what you like and I can tailor them.", False),
            ("abstain_known", "I don't know what you would like.", False)]
    if others:
        rows.append(("other_value", f"Here is a suggestion that takes what you told me into account: it will "
                                    f"{rng.choice(others)}.", False))
    return _make(key, rows)


def audit_replies(keys: dict[str, AnswerKey], seed: int = 0, questions_per_category: int | None = None
                  ) -> list[tuple[AnswerKey, LabelledReply]]:
    """Labelled replies for the first `questions_per_category` questions (by id) of each category."""
    by_category: dict[str, list[AnswerKey]] = defaultdict(list)
    for qid in sorted(keys):
        by_category[keys[qid].category].append(keys[qid])
    rubric_pool: dict[str, list[str]] = defaultdict(list)
    for key in keys.values():
        if key.answer_kind == "rubric" and key.golds:
            rubric_pool[key.question_type].append(key.golds[0])
    out = []
    for category in sorted(by_category):
        for key in by_category[category][:questions_per_category]:
            pool = sorted(set(rubric_pool.get(key.question_type, [])))
            out.extend((key, r) for r in labelled_replies(key, seed, pool))
    return out

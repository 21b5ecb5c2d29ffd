"""Time-aware query expansion (LongMemEval, Wu et al. 2024; its temp_query_search_pruning.py): a rerank, not a filter.

At query time an LLM (`get_model(role="memory")`, the model under test when unbound) reads the question
and the date it is asked on and names the date range it refers to, `start - end`, or N/A. A range that
starts on the question date is ignored (it says "recently", not "then"). Otherwise every session with a
message sent, or an ISO/slash date written, inside [start - 2 days, end + 2 days] is MOVED TO THE FRONT
of the BM25 ranking, keeping BM25 order within both groups.

LongMemEval extracts dated events per session offline; here a session's dates are its message times
and any YYYY-MM-DD / YYYY/MM/DD dates in its text (no extra model calls). The prompt is a few-shot
completion a base model can continue; a reply without a usable range, or a provider error, leaves the
plain BM25 ranking and is recorded (status unparseable / error) along with the raw reply.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

from inspect_ai.model import GenerateConfig, Model, get_model

from memcurve.evals.history import History
from memcurve.evals.retrieval.bm25 import Hit

SLACK = timedelta(days=2)
RANGE_TOKENS = 24
_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")

RANGE_PROMPT = """For each question a user asks about earlier conversations, give the range of dates the \
question refers to as YYYY/MM/DD - YYYY/MM/DD, or N/A if it does not refer to a time.

Question date: 2023/05/30 (Tue)
Question: What did I cook last weekend?
Range: 2023/05/27 - 2023/05/28

Question date: 2023/04/12 (Wed)
Question: What is my cat's name?
Range: N/A

Question date: 2023/08/15 (Tue)
Question: Which concert did I go to two months ago?
Range: 2023/06/01 - 2023/06/30

Question date: 2024/02/20 (Tue)
Question: How many days ago did I start the pottery class, which was on January 3rd?
Range: 2024/01/03 - 2024/01/03

Question date: {asked_on}
Question: {question}
Range:"""


@dataclasses.dataclass(frozen=True)
class TimeRange:
    status: str  # ok | n/a | ignored (starts on the question date) | unparseable | error
    start: date | None = None
    end: date | None = None
    raw: str = ""

    def as_record(self) -> dict:
        return {"time_range": {"start": self.start.isoformat(), "end": self.end.isoformat()}
                if self.status == "ok" else None,
                "time_range_status": self.status, "time_range_raw": self.raw}


def range_prompt(question: str, asked_at: datetime) -> str:
    return RANGE_PROMPT.format(asked_on=f"{asked_at:%Y/%m/%d (%a)}", question=question.strip())


def parse_range(reply: str, asked_at: datetime) -> TimeRange:
    """`start - end` (one date = a one-day range; reversed dates are swapped), N/A, or unparseable."""
    line = reply.strip().splitlines()[0] if reply.strip() else ""
    dates: list[date] = []
    for y, m, d in _DATE.findall(line):
        try:
            dates.append(date(int(y), int(m), int(d)))
        except ValueError:
            return TimeRange("unparseable", raw=reply)
    if not dates:
        status = "n/a" if re.search(r"\bn/?a\b|\bnone\b", line.lower()) else "unparseable"
        return TimeRange(status, raw=reply)
    start, end = min(dates[:2]), max(dates[:2])
    if start == asked_at.date():
        return TimeRange("ignored", start, end, raw=reply)
    return TimeRange("ok", start, end, raw=reply)


_ranges: dict[tuple[str, str, str], TimeRange] = {}


async def infer_range(question: str, asked_at: datetime, model: Model | None = None) -> TimeRange:
    """The range the question refers to (memoised per model, question and date)."""
    model = model or get_model(role="memory")
    memo = (str(model), question, asked_at.isoformat())
    if memo in _ranges:
        return _ranges[memo]
    try:
        output = await model.generate(range_prompt(question, asked_at),
                                      config=GenerateConfig(temperature=0.0, max_tokens=RANGE_TOKENS,
                                                            stop_seqs=["\n"]))
    except Exception:  # noqa: BLE001 - a failed expansion falls back to plain BM25
        return TimeRange("error")
    if output.error:
        return TimeRange("error", raw=str(output.error))
    _ranges[memo] = parse_range(output.completion, asked_at)
    return _ranges[memo]


def sessions_in_range(history: History, start: date, end: date) -> set[str]:
    """Conversations with a message sent, or a date written, inside [start - 2 days, end + 2 days]."""
    low, high = start - SLACK, end + SLACK
    hits: set[str] = set()
    for conversation in history.conversations:
        for message in conversation.messages:
            written = []
            for y, m, d in _DATE.findall(message.text):
                try:
                    written.append(date(int(y), int(m), int(d)))
                except ValueError:
                    pass
            if low <= message.sent_at.date() <= high or any(low <= w <= high for w in written):
                hits.add(conversation.conversation_id)
                break
    return hits


def move_to_front(hits: list[Hit], history: History, sessions: set[str]) -> list[Hit]:
    """Units of `sessions` first, then the rest, BM25 order kept inside each group; ranks renumbered."""
    def in_range(hit: Hit) -> bool:
        return history.message_index[hit.unit.message_ids[0]].conversation_id in sessions
    ordered = [h for h in hits if in_range(h)] + [h for h in hits if not in_range(h)]
    return [dataclasses.replace(hit, rank=rank) for rank, hit in enumerate(ordered)]


async def time_aware_rerank(hits: list[Hit], history: History, question: str, asked_at: str | datetime,
                            model: Model | None = None) -> tuple[list[Hit], dict]:
    """Rerank a FULL ranking by the inferred range; returns the new ranking and what to record."""
    when = datetime.fromisoformat(asked_at) if isinstance(asked_at, str) else asked_at
    found = await infer_range(question, when, model)
    record = found.as_record()
    if found.status != "ok":
        record["time_range_sessions"] = 0
        return hits, record
    sessions = sessions_in_range(history, found.start, found.end)
    record["time_range_sessions"] = len(sessions)
    return move_to_front(hits, history, sessions), record

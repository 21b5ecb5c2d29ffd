"""Time-aware query expansion: the in-range session moves to the front; N/A, ignored and failures keep BM25."""

import asyncio
from datetime import date, datetime

from inspect_ai.model import get_model
from lme_helpers import build_history, run_rag

from support import mock_output

from memcurve.evals.retrieval.bm25 import BM25Index
from memcurve.evals.retrieval import time_aware
from memcurve.evals.retrieval.time_aware import parse_range, time_aware_rerank
from memcurve.evals.retrieval.units import split_units
from memcurve.evals.solvers import rag

HISTORY = build_history({
    "jan02": (datetime(2024, 1, 2, 18, 0), [("user", "I baked sourdough bread, my first loaf of bread ever!"),
                                            ("assistant", "Congratulations on the bread.")]),
    "jan15": (datetime(2024, 1, 15, 18, 0), [("user", "Baked a lemon cake with my niece today."),
                                             ("assistant", "Lemon cake is lovely.")]),
    "feb01": (datetime(2024, 2, 1, 18, 0), [("user", "More bread: rye bread this time, bread bread."),
                                            ("assistant", "Rye is tricky.")]),
})
QUESTION = "What did I bake in mid January, bread or something else?"
ASKED = datetime(2024, 2, 20, 12, 0)


def _model(reply):
    time_aware._ranges.clear()  # ranges are memoised per model name, question and date
    prompts = []

    def respond(input, tools, tool_choice, config):
        prompts.append(input[-1].text)
        return mock_output(reply)
    return get_model("mockllm/model", custom_outputs=respond, memoize=False), prompts


def _rerank(reply):
    hits = BM25Index(split_units(HISTORY, "conversation")).search(QUESTION, 3)
    model, prompts = _model(reply)
    reranked, record = asyncio.run(time_aware_rerank(hits, HISTORY, QUESTION, ASKED.isoformat(), model))
    return hits, reranked, record, prompts


def test_in_range_session_moves_to_the_front():
    hits, reranked, record, prompts = _rerank(" 2024/01/13 - 2024/01/14")
    plain = [h.unit.message_ids[0].split("-")[0] for h in hits]
    assert plain[0] != "jan15"  # BM25 alone prefers the bread sessions
    order = [h.unit.message_ids[0].split("-")[0] for h in reranked]
    assert order[0] == "jan15"  # Jan 15 is inside [Jan 13 - 2 days, Jan 14 + 2 days]
    assert order[1:] == [s for s in plain if s != "jan15"]  # a rerank: BM25 order kept for the rest
    assert [h.rank for h in reranked] == [0, 1, 2]
    assert record == {"time_range": {"start": "2024-01-13", "end": "2024-01-14"}, "time_range_status": "ok",
                      "time_range_raw": " 2024/01/13 - 2024/01/14", "time_range_sessions": 1}
    assert prompts[0].endswith(f"Question date: 2024/02/20 (Tue)\nQuestion: {QUESTION}\nRange:")


def test_na_ignored_and_unparseable_keep_bm25():
    for reply, status in ((" N/A", "n/a"), (" 2024/02/20 - 2024/02/20", "ignored"), (" soon-ish", "unparseable")):
        hits, reranked, record, _ = _rerank(reply)
        assert reranked == hits
        assert record["time_range_status"] == status and record["time_range"] is None


def test_parse_range_forms():
    assert parse_range("2024-01-05", ASKED).start == date(2024, 1, 5)  # one date: a one-day range
    swapped = parse_range("2024/01/20 - 2024/01/05\nmore", ASKED)
    assert (swapped.start, swapped.end) == (date(2024, 1, 5), date(2024, 1, 20))
    assert parse_range("2024/13/40 - 2024/01/01", ASKED).status == "unparseable"


def test_rag_time_aware_through_eval(tiny_store, tmp_path):
    """tiny store: plain BM25 gives the first conversation (pasta, Jan 8: "pup" matches nothing, ties go
    to the earliest); a range around Jan 13 promotes the packing list (Jan 11), recorded in the store."""
    memory, _ = _model(" 2024/01/13 - 2024/01/13")
    out = run_rag(tiny_store, rag(k=1, unit="session", time_aware=True), tmp_path, sizes=[3],
                     model_roles={"memory": memory})
    sample = out["rag:p000-h00-n0003:p000-q0000"]
    assert sample.store["retrieved_units"] == [["p000-c0002-m00", "p000-c0002-m01"]]
    assert sample.store["time_range"] == {"start": "2024-01-13", "end": "2024-01-13"}
    assert sample.store["unit"] == "conversation" and sample.store["time_range_sessions"] == 1
    plain = run_rag(tiny_store, rag(k=1, unit="session"), tmp_path / "plain", sizes=[3])
    assert plain["rag:p000-h00-n0003:p000-q0000"].store["retrieved_units"][0][0] == "p000-c0000-m00"
    assert "time_range" not in plain["rag:p000-h00-n0003:p000-q0000"].store

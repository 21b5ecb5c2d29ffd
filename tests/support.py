"""Shared test helpers: a tiny hand-built benchmark and mock model outputs that carry usage.

The tiny benchmark is written row by row through generators.store, so tests of readers (dataset,
solvers, validation, analysis) do not depend on the generator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from memcurve.generators.store import atomic_store, insert_rows, write_meta
from memcurve.generators.overlap import question_overlap
from memcurve.generators.tokens import estimate_tokens

ABSTAIN = "There is no information in prior conversations to answer this question."

# conversation id -> (kind, topic, day offset, [(speaker, text), ...])
TINY_CONVERSATIONS = {
    "p000-c0000": ("filler", "pasta recipe", 0, [
        ("user", "Could you give me a quick weeknight pasta recipe with spinach?"),
        ("assistant", "Sure: saute garlic in olive oil, wilt the spinach, toss with penne and parmesan."),
    ]),
    "p000-c0001": ("evidence", "chew toys", 1, [
        ("user", "Biscuit chewed my running shoes again, what chew toys hold up for a beagle?"),
        ("assistant", "Try a heavy rubber toy you can stuff with treats; it keeps a beagle busy for a while."),
    ]),
    "p000-c0002": ("filler", "packing list", 3, [
        ("user", "What should I pack for a rainy weekend hiking trip?"),
        ("assistant", "A waterproof shell, spare socks, a warm layer and a dry bag for your phone."),
    ]),
}
TINY_START = datetime(2024, 1, 8, 9, 0)
TINY_ASKED_AT = datetime(2024, 1, 20, 12, 0)


def _tiny_overlaps(questions: list[str]) -> dict[str, list]:
    """The overlap columns of questions whose evidence is p000-c0001's first message, as generators.overlap
    measures them (validate checks they match the texts)."""
    turns = [text for _, text in TINY_CONVERSATIONS["p000-c0001"][3]]
    measured = [question_overlap(q, turns[:1], turns) for q in questions]
    return {name: [m[i] for m in measured]
            for i, name in enumerate(("word_overlap", "conversation_overlap", "overlap_level"))}


def build_tiny_store(path: str | Path) -> Path:
    """Write a one-persona benchmark: 3 conversations, histories of size 1 and 3, three questions."""
    path = Path(path)
    conv_cols = {k: [] for k in ("conversation_id", "persona_id", "started_at", "topic", "kind")}
    msg_cols = {k: [] for k in ("message_id", "conversation_id", "position", "speaker", "text", "sent_at", "tokens")}
    for cid, (kind, topic, day, turns) in TINY_CONVERSATIONS.items():
        start = TINY_START + timedelta(days=day)
        for col, val in zip(conv_cols, (cid, "p000", start, topic, kind)):
            conv_cols[col].append(val)
        for pos, (speaker, text) in enumerate(turns):
            row = (f"{cid}-m{pos:02d}", cid, pos, speaker, text, start + timedelta(minutes=pos), estimate_tokens(text))
            for col, val in zip(msg_cols, row):
                msg_cols[col].append(val)
    histories = {"p000-h00-n0001": ["p000-c0001"], "p000-h00-n0003": ["p000-c0000", "p000-c0001", "p000-c0002"]}
    tokens = dict(zip(msg_cols["message_id"], msg_cols["tokens"]))
    with atomic_store(path, force=True) as con:
        write_meta(con, {"seed": 0, "source": "tests.support", "config": {"tiny": True}})
        insert_rows(con, "personas", {"persona_id": ["p000"], "name": ["Maya Chen"],
                                      "attributes": ['{"home_city": "Leeds", "job": "nurse"}']})
        insert_rows(con, "conversations", conv_cols)
        insert_rows(con, "messages", msg_cols)
        insert_rows(con, "facts", {
            "fact_id": ["p000-f0000"], "persona_id": ["p000"], "subject": ["user"], "slot": ["pet_name"],
            "value": ["Biscuit"], "valid_from": [TINY_START + timedelta(days=1)], "valid_to": [None],
            "superseded_by": [None], "message_id": ["p000-c0001-m00"],
        })
        insert_rows(con, "questions", {
            "question_id": ["p000-q0000", "p000-q0001", "p000-q0002"],
            "persona_id": ["p000"] * 3,
            "category": ["user_facts", "abstention", "temporal"],
            "question_type": ["user_facts/pet_name", "abstention/cat_name", "temporal/weekday"],
            "text": ["What's my pup called again?", "What's my cat's name?",
                     "What day of the week did my dog wreck my shoes?"],
            "answer": ["Biscuit", ABSTAIN, "Tuesday"],
            "aliases": [[], [], ["Tue"]],
            "rubric": [None, None, None],
            "answer_kind": ["text", "abstention", "text"],
            "slot": ["pet_name", "cat_name", None],
            "asked_at": [TINY_ASKED_AT] * 3,
            "is_abstention": [False, True, False],
            "evidence_count": [1, 1, 1],
            **_tiny_overlaps(["What's my pup called again?", "What's my cat's name?",
                              "What day of the week did my dog wreck my shoes?"]),
        })
        insert_rows(con, "evidence", {
            "question_id": ["p000-q0000", "p000-q0001", "p000-q0002"],
            "message_id": ["p000-c0001-m00"] * 3,
            "ordinal": [0, 0, 0],
        })
        insert_rows(con, "histories", {
            "history_id": list(histories), "persona_id": ["p000"] * 2, "chain_id": ["p000-h00"] * 2,
            "size": [len(v) for v in histories.values()],
            "tokens": [sum(t for m, t in tokens.items() if m.rsplit("-", 1)[0] in v) for v in histories.values()],
        })
        hc = {"history_id": [], "position": [], "conversation_id": []}
        hq = {"history_id": [], "question_id": []}
        for hid, convs in histories.items():
            for pos, cid in enumerate(convs):
                hc["history_id"].append(hid); hc["position"].append(pos); hc["conversation_id"].append(cid)
            for qid in ("p000-q0000", "p000-q0001", "p000-q0002"):
                hq["history_id"].append(hid); hq["question_id"].append(qid)
        insert_rows(con, "history_conversations", hc)
        insert_rows(con, "history_questions", hq)
    return path


def mock_output(content: str, input_tokens: int = 10, output_tokens: int = 5, stop_reason: str = "stop"):
    """A mockllm ModelOutput with usage set, so Inspect never reaches for tiktoken (offline)."""
    from inspect_ai.model import ModelOutput, ModelUsage

    out = ModelOutput.from_content(model="mockllm/model", content=content, stop_reason=stop_reason)
    out.usage = ModelUsage(input_tokens=input_tokens, output_tokens=output_tokens,
                           total_tokens=input_tokens + output_tokens)
    return out


def evidence_reader(db: str | Path):
    """A mockllm `custom_outputs` callable that answers like a careful reader of its prompt.

    It finds the question at the end of the prompt, answers with the gold answer when every evidence
    message of that question is in the prompt, and says it does not know otherwise. Accuracy then
    falls exactly as the solvers drop evidence (truncation, retrieval misses), which gives real
    curves for plumbing tests without a real model.
    """
    from memcurve.generators.store import open_store

    con = open_store(db)
    rows = con.execute(
        "SELECT q.text, q.answer, q.is_abstention, list(m.text) FROM questions q "
        "JOIN evidence e USING (question_id) JOIN messages m USING (message_id) "
        "GROUP BY q.question_id, q.text, q.answer, q.is_abstention"
    ).fetchall()
    con.close()
    questions = {text: (answer, abstain, texts) for text, answer, abstain, texts in rows}

    def respond(input, tools, tool_choice, config):
        prompt = "\n".join(message.text for message in input)
        question = prompt.rsplit("Question:", 1)[-1].rsplit("Answer:", 1)[0].strip()
        tokens = max(1, len(prompt) // 4)
        if question in questions:
            answer, abstain, texts = questions[question]
            if not abstain and all(t in prompt for t in texts):
                return mock_output(answer, input_tokens=tokens, output_tokens=5)
        return mock_output("I don't know: there is no information about it.", input_tokens=tokens, output_tokens=9)

    return respond


def generate_until_writing(folder: Path):
    """Start a large `memcurve generate` into folder/b.duckdb in its own process group; return the Popen once
    it is writing (its temporary file exists and DuckDB has created it), for interrupt tests."""
    import subprocess
    import sys
    import time

    argv = ["generate", "--out", str(folder / "b.duckdb"), "--personas", "16", "--questions-per-category", "60",
            "--quiet"]
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; from memcurve.cli import main; sys.exit(main({argv!r}))"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(f".b.duckdb.memcurve-tmp-{proc.pid}") for p in folder.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "generation ended before it could be stopped"
        time.sleep(0.05)
    time.sleep(1.0)  # past duckdb.connect inside atomic_store (an interrupt inside connect itself is a store.py race)
    assert proc.poll() is None, "generation ended before it could be stopped"
    return proc


class Counted(dict):
    """Metric values by name, with the numbers of samples that had a value and that did not."""

    scored_samples: int = 0
    unscored_samples: int = 0


def sample_metrics(log, name: str) -> tuple[Counted, Counted]:
    """The breakdown of one score, recomputed from the log's samples with memcurve's own metrics.

    memcurve's scorers put only the headline in the log's results (evals.metrics); everything else is per
    sample, as `memcurve report` reads it. `name` is a scorer (answer_check) or a key of a dict-valued score
    (truncated, recall_any@3, correct). Values: accuracy and mean (the same number), stderr clustered by
    history, and every group "category/x", "size/x", "solver/x", "solver/x/size/y" (with "/stderr"); NaN
    values are dropped first, as Inspect does, so a group whose samples are all unscored is absent.
    """
    import math

    from inspect_ai.scorer import SampleScore, Score, mean, stderr, value_to_float

    from memcurve.evals.metrics import CLUSTER, breakdown

    to_float = value_to_float()
    scored, unscored = [], 0
    for sample in log.samples:
        for scorer, score in (sample.scores or {}).items():
            value = score.value
            if scorer != name and not (isinstance(value, dict) and name in value):
                continue
            if isinstance(value, dict):
                value = value.get(name, value.get("correct", math.nan))
            number = math.nan if value is None else to_float(value)
            if math.isnan(number):
                unscored += 1
            else:
                scored.append(SampleScore(score=Score(value=number), sample_id=sample.id,
                                          sample_metadata=sample.metadata))
    if not scored and not unscored:
        raise KeyError(f"no score {name!r} in the log's samples")
    out = Counted()
    if scored:
        out["accuracy"] = out["mean"] = mean()(scored)
        out["stderr"] = stderr(cluster=CLUSTER)(scored)
        out.update(breakdown("mean")(scored))
    out.scored_samples, out.unscored_samples = len(scored), unscored
    return out, out


def generate_small_store(folder: Path, seed: int, categories: tuple[str, ...]) -> Path:
    """A real generated benchmark of 3 personas, sizes 1/10/40, 6 questions per category of `categories`."""
    from memcurve.generators.config import build_config
    from memcurve.generators.generate import generate

    out = folder / "bench.duckdb"
    generate(build_config({"seed": seed, "personas": 3, "sizes": "1,10,40", "questions_per_category": 6,
                           "categories": ",".join(categories)}), out, force=False, progress=False)
    return out


def redrawn_personas(con, seed: int) -> dict:
    """A generated store's personas, redrawn as generators.build draws them."""
    import random

    from memcurve.generators.personas import make_persona

    return {pid: make_persona(int(pid[1:]), random.Random(f"memcurve:{seed}:{int(pid[1:])}"))
            for (pid,) in con.execute("SELECT persona_id FROM personas ORDER BY 1").fetchall()}

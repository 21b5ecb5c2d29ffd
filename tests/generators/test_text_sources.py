"""Benchmarks built around real chats: the fillers come from the corpus, validation still passes, meta says so."""

import json
import random

import duckdb
import pytest

from memcurve.cli import main
from memcurve.generators.config import build_config
from memcurve.generators.generate import generate
from memcurve.generators.validate import validate

TOPICS = ["sourdough starter", "bike chain", "tax return", "python list comprehension", "sleep schedule",
          "balcony tomatoes", "job interview", "wedding toast", "marathon training", "laptop battery",
          "spanish verbs", "budget spreadsheet", "kitchen knives", "podcast microphone", "resume gaps"]
ASKS = ["How do I get started with", "What is the most common mistake with", "Can you explain",
        "Give me three tips about", "What should I check first with", "Is it worth learning about"]


def corpus_chats(n: int, seed: int = 0) -> list[list[tuple[str, str]]]:
    """n distinct synthetic chats (no names, places or products: nothing a slot pool holds)."""
    rng = random.Random(seed)
    chats = []
    for i in range(n):
        topic, ask = TOPICS[i % len(TOPICS)], ASKS[(i // len(TOPICS)) % len(ASKS)]
        turns = [("user", f"{ask} {topic}? (case {i})"),
                 ("assistant", f"For {topic}, start small and keep notes: step {rng.randint(2, 9)} matters most "
                               f"in case {i}, and check progress every {rng.randint(2, 6)} days.")]
        if i % 3 == 0:
            turns += [("user", f"Thanks, and how long does the {topic} part take for case {i}?"),
                      ("assistant", f"Usually {rng.randint(10, 50)} minutes at first for case {i}.")]
        chats.append(turns)
    return chats


def write_openai_jsonl(path, chats):
    with path.open("w") as f:
        for i, turns in enumerate(chats):
            f.write(json.dumps({"id": f"chat-{i}", "messages": [{"role": s, "content": t} for s, t in turns]}) + "\n")
    return path


def write_longmemeval(path, chats, per_record=10):
    records = []
    for r in range(0, len(chats), per_record):
        sessions = [[{"role": s, "content": t, "has_answer": False} for s, t in turns]
                    for turns in chats[r:r + per_record]]
        sessions.append([{"role": "user", "content": "My cat is called Miso", "has_answer": True},
                         {"role": "assistant", "content": "Cute name!"}])
        records.append({"question_id": f"lme{r}", "question": "?", "answer": "Miso",
                        "haystack_session_ids": [f"s{r}_{k}" for k in range(len(sessions))],
                        "haystack_sessions": sessions, "answer_session_ids": [f"s{r}_{len(sessions) - 1}"]})
    path.write_text(json.dumps(records))
    return path


CONFIG = {"seed": 5, "personas": 2, "sizes": "1,4,12", "questions_per_category": 2, "length": "short",
          "categories": "user_facts,changing_facts,abstention"}


@pytest.mark.parametrize("shape", ["openai_jsonl", "longmemeval"])
def test_generate_with_real_fillers_validates_and_records_provenance(tmp_path, shape):
    chats = corpus_chats(400)
    source = (write_openai_jsonl(tmp_path / "chats.jsonl", chats) if shape == "openai_jsonl"
              else write_longmemeval(tmp_path / "lme.json", chats))
    out = tmp_path / "bench.duckdb"
    generate(build_config({**CONFIG, "fillers_from": str(source)}), out, force=False, progress=False)
    report = validate(out)
    assert report.ok, report.render()
    con = duckdb.connect(str(out), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["text_source"] == "templates (evidence) + real chats (fillers)"
    fillers_meta = json.loads(meta["fillers_from"])
    assert fillers_meta["screening"]["read"] == 400 and fillers_meta["replaced"] > 0
    assert fillers_meta["replaced"] + fillers_meta["kept_template"] == fillers_meta["fillers"]
    sources = con.execute("SELECT count(*), count(DISTINCT conversation_id), min(sha256) FROM conversation_sources").fetchone()
    assert sources[0] == sources[1] == fillers_meta["replaced"]
    import hashlib
    assert sources[2] == hashlib.sha256(source.read_bytes()).hexdigest()
    texts = {r[0] for r in con.execute("SELECT text FROM messages").fetchall()}
    assert any("(case " in t for t in texts)  # corpus text is in the store
    assert not any("Miso" in t for t in texts)  # a LongMemEval answer session is never a filler
    con.close()


def test_same_seed_and_corpus_same_hash(tmp_path):
    from memcurve.generators.store import content_hash, open_store

    source = write_openai_jsonl(tmp_path / "chats.jsonl", corpus_chats(200))
    hashes = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.duckdb"
        generate(build_config({**CONFIG, "fillers_from": str(source)}), out, force=False, progress=False)
        con = open_store(out)
        hashes.append(content_hash(con))
        con.close()
    assert hashes[0] == hashes[1]


def test_cli_refuses_a_missing_or_malformed_source(tmp_path, capsys):
    out = tmp_path / "x.duckdb"
    assert main(["generate", "--out", str(out), "--fillers-from", str(tmp_path / "nope.jsonl"), "--quiet"]) == 2
    assert "fillers_from:" in capsys.readouterr().err and not out.exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "narrator", "content": "x"}]}\n')
    assert main(["generate", "--out", str(out), "--fillers-from", str(bad), "--personas", "1", "--sizes", "1,4", "--categories", "user_facts",
                 "--length", "short", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "narrator" in err and "\n" not in err and not out.exists()


def test_samples_and_report_say_which_text_the_benchmark_was_built_from(tmp_path, monkeypatch):
    """The text source travels store meta -> sample metadata -> results table -> the report part's heading."""
    from inspect_ai import eval as inspect_eval

    from memcurve.evals.analysis.report import write_report
    from memcurve.evals.dataset import load_samples

    source = write_openai_jsonl(tmp_path / "chats.jsonl", corpus_chats(200))
    real, plain = tmp_path / "real.duckdb", tmp_path / "plain.duckdb"
    generate(build_config({**CONFIG, "fillers_from": str(source)}), real, force=False, progress=False)
    generate(build_config(CONFIG), plain, force=False, progress=False)
    assert {s.metadata["text_source"] for s in load_samples(real)} == {"templates (evidence) + real chats (fillers)"}
    assert {s.metadata["text_source"] for s in load_samples(plain)} == {"templates"}

    monkeypatch.setenv("MEMCURVE_CACHE_DIR", str(tmp_path / "cache"))
    logs = tmp_path / "logs"
    for db in (real, plain):
        [log] = inspect_eval("memcurve/convomem", model="memcurve/smoke", display="none", log_dir=str(logs),
                             task_args={"data": str(db), "solvers": "full_context", "sizes": "1"})
        assert log.status == "success", log.error
    report = write_report([logs], tmp_path / "report").read_text()
    headings = [line for line in report.splitlines() if line.startswith("- text: ")]
    assert sorted(headings) == ["- text: templates", "- text: templates (evidence) + real chats (fillers)"]

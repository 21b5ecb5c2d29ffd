"""tasks/longmemeval.py and tasks/convomem.py end to end on H7's imported fixtures (LongMemEval, LoCoMo,
ConvoMem) and on the generated LongMemEval-style default, with real inspect_ai.eval runs and mockllm."""

import importlib.util
import math
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model
from lme_helpers import rule_judge
from support import evidence_reader, mock_output

from memcurve.evals.longmemeval import ABILITIES, default_benchmark, resolve_data
from memcurve.evals.analysis.results import read_results
from memcurve.errors import ConfigError
from memcurve.generators.importers import import_dataset
from memcurve.generators.store import open_store

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "generators" / "importers" / "fixtures"


def _metrics(log, name):
    """A scorer's metrics; Inspect names a dict-valued metric's keys `<metric>_<key>` when the log has several
    scorers, so the prefix is dropped."""
    [score] = [s for s in log.results.scores if s.name == name]
    return {key.split("longmemeval_accuracy_")[-1]: m.value for key, m in score.metrics.items()}


def _run(task_file, db, tmp_path, monkeypatch, grader=rule_judge, **task_args):
    monkeypatch.chdir(ROOT)  # Inspect resolves task files relative to the working directory
    model = get_model("mockllm/model", custom_outputs=evidence_reader(db))
    [log] = eval(task_file, model=model, model_roles={"grader": get_model("mockllm/model", custom_outputs=grader)},
                 display="none", log_dir=str(tmp_path / "logs"), task_args={"data": str(db), **task_args})
    assert log.status == "success", log.error
    return log


@pytest.fixture(scope="module")
def lme_db(tmp_path_factory):
    out = tmp_path_factory.mktemp("lme") / "lme_s.duckdb"
    import_dataset("longmemeval", FIXTURES / "longmemeval_s.json", out)
    return out


def test_longmemeval_on_imported_s_fixture(lme_db, tmp_path, monkeypatch):
    log = _run("tasks/longmemeval.py", lme_db, tmp_path, monkeypatch, solvers="full_context,rag,oracle,no_context",
               k=1)
    assert len(log.samples) == 4 * 4  # questions x solvers, one history per question
    judged = {s.id: s.scores["longmemeval_judge"].value["judge"] for s in log.samples}
    # full context and oracle hold every evidence turn: the reader answers, the judge says yes
    assert all(v == 1.0 for sid, v in judged.items() if sid.startswith(("full_context:", "oracle:")))
    # no context: only the abstention question (_abs, flag set by the importer) is right
    assert {sid.split(":")[-1]: v for sid, v in judged.items() if sid.startswith("no_context:")} == {
        "75832dbd": 0.0, "c4a1ceb8_abs": 1.0, "gpt4_b5c3d2e1": 0.0, "6ade9755": 0.0}
    prompt_types = {s.id.split(":")[-1]: s.scores["longmemeval_judge"].metadata["prompt_type"] for s in log.samples}
    assert prompt_types["c4a1ceb8_abs"] == "abstention" and prompt_types["gpt4_b5c3d2e1"] == "temporal-reasoning"
    qa = _metrics(log, "judge")
    assert qa["solver/full_context/overall"] == 1.0 and qa["solver/no_context/overall"] == 0.25
    assert qa["solver/no_context/abstention"] == 1.0
    # the abstention item counts in its base type (single-session-user), as in the original
    assert qa["solver/no_context/type/single-session-user"] == 1.0
    assert qa["solver/no_context/task_averaged"] == pytest.approx(1 / 4)
    # retrieval, rag k=1 round: the knowledge update needs two sessions (recall_all@1 = 0); the temporal item has
    # session-level evidence only (no has_answer turn), so its turn level is skipped
    rag = {s.id.split(":")[-1]: s.scores["longmemeval_retrieval"].value for s in log.samples if s.id.startswith("rag:")}
    assert rag["6ade9755"]["session_recall_all@1"] == 0.0
    assert math.isnan(rag["c4a1ceb8_abs"]["session_recall_any@1"])  # abstention skipped
    assert not math.isnan(rag["gpt4_b5c3d2e1"]["session_recall_any@1"])
    assert math.isnan(rag["gpt4_b5c3d2e1"]["turn_recall_any@1"])
    assert rag["75832dbd"]["session_recall_any@1"] == rag["75832dbd"]["turn_recall_any@1"] == 1.0
    frame = read_results([tmp_path / "logs"])
    assert frame.height == 16 and {"judge", "session_recall_any@1", "turn_ndcg_any@1"} <= set(frame.columns)
    assert frame.filter(frame["solver"] == "full_context")["judge"].to_list() == [1.0] * 4


def test_a_json_file_is_imported_once_into_the_cache(tmp_path):
    first = resolve_data(str(FIXTURES / "longmemeval_oracle.json"), tmp_path)
    stamp = first.stat().st_mtime_ns
    again = resolve_data(str(FIXTURES / "longmemeval_oracle.json"), tmp_path)
    assert again == first and first.stat().st_mtime_ns == stamp and first.name.startswith("longmemeval-import-")
    con = open_store(first)
    assert con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()[0] == "longmemeval"
    con.close()


@pytest.mark.parametrize("task_file", ["tasks/longmemeval.py", "tasks/convomem.py"])
def test_locomo_through_both_tasks(task_file, tmp_path, monkeypatch):
    db = tmp_path / "locomo.duckdb"
    import_dataset("locomo", FIXTURES / "locomo10_mini.json", db)
    args = {"solvers": "full_context,no_context"}
    grader = rule_judge if "longmemeval" in task_file else (lambda *a: mock_output("RIGHT"))
    log = _run(task_file, db, tmp_path, monkeypatch, grader=grader, **args)
    con = open_store(db)
    questions, abstentions = con.execute("SELECT count(*), count(*) FILTER (WHERE is_abstention) FROM questions").fetchone()
    con.close()
    assert len(log.samples) == 2 * questions
    check = {s.id: s.scores["answer_check"].value for s in log.samples}
    # full context shows every evidence turn: the reader answers everything; no context only abstains
    assert all(v == "C" for sid, v in check.items() if sid.startswith("full_context:"))
    no_context_right = sum(v == "C" for sid, v in check.items() if sid.startswith("no_context:"))
    assert no_context_right == abstentions
    frame = read_results([tmp_path / "logs"])
    assert frame.height == 2 * questions
    assert frame.filter(frame["solver"] == "full_context")["answer_check"].mean() == 1.0


def test_convomem_task_on_imported_convomem(tmp_path, monkeypatch):
    db = tmp_path / "convomem.duckdb"
    import_dataset("convomem", FIXTURES / "convomem", db)
    log = _run("tasks/convomem.py", db, tmp_path, monkeypatch, grader=lambda *a: mock_output("RIGHT"),
               solvers="full_context,rag,no_context", k=2)
    con = open_store(db)
    pairs = con.execute("SELECT count(*) FROM history_questions").fetchone()[0]
    rubric = con.execute("SELECT count(*) FROM history_questions JOIN questions USING (question_id) "
                         "WHERE category IN ('preferences', 'implicit_connections')").fetchone()[0]
    con.close()
    assert len(log.samples) == 3 * pairs
    frame = read_results([tmp_path / "logs"])
    full = frame.filter(frame["solver"] == "full_context")
    assert full["correct"].mean() == 1.0  # exact categories by the check, rubric ones by the (mock) judge
    assert full["judge"].drop_nans().len() == rubric
    rag = frame.filter(frame["solver"] == "rag")
    assert rag["recall_any@1"].drop_nans().len() > 0


def test_generated_default_covers_the_five_abilities(tmp_path, monkeypatch):
    db = default_benchmark(tmp_path)
    assert default_benchmark(tmp_path) == db  # made once, reused
    con = open_store(db)
    rows = con.execute("SELECT category, count(*), min(asked_at) IS NOT NULL FROM questions GROUP BY 1").fetchall()
    per_history = con.execute("SELECT max(n) FROM (SELECT count(*) n FROM history_questions GROUP BY history_id)").fetchone()[0]
    con.close()
    assert {c for c, _, _ in rows} == {c for cats in ABILITIES.values() for c in cats}
    assert all(dated for _, _, dated in rows) and per_history == 1  # one question per history, as in LongMemEval
    log = _run("tasks/longmemeval.py", db, tmp_path, monkeypatch, solvers="full_context,no_context")
    qa = _metrics(log, "judge")
    assert qa["solver/full_context/overall"] > qa["solver/no_context/overall"]
    assert {k.split("/")[-1] for k in qa if k.startswith("solver/full_context/type/")} == {
        "single-session-user", "single-session-assistant", "single-session-preference", "multi-session",
        "knowledge-update", "temporal-reasoning", "abstention"}


def _task():
    spec = importlib.util.spec_from_file_location("longmemeval_task_under_test", ROOT / "tasks" / "longmemeval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.longmemeval


@pytest.mark.parametrize("args, message", [
    ({"key": "facts"}, "invalid key 'facts'; valid: value, value+facts"),
    ({"time_aware": "maybe"}, "invalid time_aware 'maybe': expected true or false"),
    ({"unit": "page"}, "invalid unit 'page'; valid: message, round, conversation"),
    ({"histories": 0}, "invalid histories 0: expected a whole number >= 1"),
])
def test_invalid_options_fail_on_one_line(lme_db, args, message):
    with pytest.raises(ConfigError) as err:
        _task()(data=str(lme_db), **args)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_histories_option_and_session_unit(lme_db):
    task = _task()(data=str(lme_db), histories=2, unit="session", solvers="rag")
    assert len({s.metadata["history_id"] for s in task.dataset}) == 2 and len(task.dataset) == 2

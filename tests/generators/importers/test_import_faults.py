"""Import faults are listed by id: `memcurve info` shows broken evidence links, repeats and early dates."""

from __future__ import annotations

import json
from pathlib import Path

from memcurve.cli import main
from memcurve.generators.importers import import_dataset
from memcurve.generators.store import open_store, read_meta

FIXTURES = Path(__file__).parent / "fixtures"


def _locomo_with_broken_links(tmp_path: Path) -> Path:
    """The mini LoCoMo fixture with the kinds of broken links locomo10.json itself has."""
    data = json.loads((FIXTURES / "locomo10_mini.json").read_text())
    qa = data[0]["qa"]
    qa[0]["evidence"] = ["D1:3", "D10:19"]      # a session the sample does not have
    qa[1]["evidence"] = ["D"]                   # no turn at all
    qa[2]["evidence"] = ["D:11:26"]             # a malformed id
    path = tmp_path / "locomo_faults.json"
    path.write_text(json.dumps(data))
    return path


def test_info_lists_the_broken_links_of_a_locomo_import(tmp_path, capsys):
    db = tmp_path / "locomo.duckdb"
    summary = import_dataset("locomo", _locomo_with_broken_links(tmp_path), db, force=False)
    assert "faults: unresolved evidence 4" in summary
    assert main(["info", str(db)]) == 0
    out = capsys.readouterr().out
    section = out.split("\n\n")[1].splitlines()
    assert section == [
        "import faults (kept in the store as the source has them)",
        "  unresolved evidence: 4",
        "    conv-26:q000: evidence 'D10:19': no turn D10:19",
        "    conv-26:q001: evidence 'D' names no turn",
        "    conv-26:q002: evidence 'D:11:26' names no turn",
        "    conv-26:q005: evidence 'D9:9': no turn D9:9",
    ]


def test_fault_details_are_in_meta_and_counts_match(tmp_path):
    db = tmp_path / "locomo.duckdb"
    import_dataset("locomo", _locomo_with_broken_links(tmp_path), db, force=False)
    meta = read_meta(open_store(db))
    counts, details = json.loads(meta["import_faults"]), json.loads(meta["import_fault_details"])
    assert counts["unresolved evidence"] == len(details["unresolved evidence"]) == 4


def test_longmemeval_repeated_sessions_and_early_dates_are_listed(tmp_path, capsys):
    data = json.loads((FIXTURES / "longmemeval_s.json").read_text())
    inst = data[0]
    # the first session drawn again under its own id, and again under a new id (a filler drawn twice)
    for sid in (inst["haystack_session_ids"][0], "sharegpt_redrawn"):
        inst["haystack_session_ids"].append(sid)
        inst["haystack_dates"].append(inst["haystack_dates"][0])
        inst["haystack_sessions"].append(json.loads(json.dumps(inst["haystack_sessions"][0])))
    inst["question_date"] = "2000/01/01 (Sat) 10:00"
    path = tmp_path / "lme.json"
    path.write_text(json.dumps(data))
    db = tmp_path / "lme.duckdb"
    summary = import_dataset("longmemeval", path, db, force=False)
    qid, first = inst["question_id"], inst["haystack_session_ids"][0]
    assert "repeated session ids 1" in summary
    assert "sessions repeating another session's turns under a new id 1" in summary
    assert main(["info", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"  repeated session ids: 1\n    {qid}: {first}\n" in out
    assert f"    {qid}: sharegpt_redrawn repeats {first}\n" in out
    assert f"  question date before last session: 1\n    {qid}: asked 2000-01-01 10:00, last session " in out



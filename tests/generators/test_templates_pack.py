"""The built-in template pack and user packs: layering, dry-run validation, errors by file and line, and
value pools that fillers never touch."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import duckdb
import pytest

from memcurve.generators.config import build_config
from memcurve.errors import TemplateError
from memcurve.generators.fillers import FillerMaker, filler_context
from memcurve.generators.generate import generate, validate_pack
from memcurve.generators.ladder import unframed
from memcurve.generators.personas import ASSISTANT_SLOTS, CHANGING_SLOTS, NEGATIVE_SLOTS, USER_SLOTS, make_persona, pool
from memcurve.generators.planting import aggregation, assistant_facts, user_facts
from memcurve.generators.planting.vocab import words
from memcurve.generators.templating import load_pack

SMALL = {"seed": 3, "personas": 1, "questions_per_category": 4, "sizes": "1,2,4,8", "questions_per_history": 4}


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return root


def test_builtin_pack_validates_and_has_a_large_filler_pool():
    pack = load_pack()
    validate_pack(pack)
    fillers = pack.keys("fillers")
    assert len(fillers) >= 60
    topics = {k.split("/")[1].split("_")[0] for k in fillers}
    assert len(topics) >= 30  # recipes, emails, code, travel, budgeting, study, gifts, ...


def test_user_pack_overrides_the_same_path_and_adds_fillers(tmp_path):
    pack_dir = write(tmp_path / "pack", "user_facts/dog_name.j2",
                     "## conversation\nuser: Quick one.\n*user: {{ value }} the dog stole my toast.\nassistant: Ha!\n"
                     "assistant: Hide the toast.\n## question\nquestion: Which dog stole my breakfast?\n")
    write(pack_dir, "fillers/kite_flying.j2", "## conversation\nuser: How do I fly a kite in light wind?\n"
                                              "assistant: Run a few steps upwind and let out line slowly.\n")
    out = tmp_path / "b.duckdb"
    # seed 2: the persona has a dog and does not only mention it in passing (a decoy is never asked)
    generate(build_config({**SMALL, "seed": 2, "questions_per_category": 40, "categories": "user_facts",
                           "templates": str(pack_dir)}), out, force=False, progress=False)
    con = duckdb.connect(str(out), read_only=True)
    texts = {t for (t,) in con.execute("SELECT text FROM questions WHERE question_type = 'user_facts/dog_name'").fetchall()}
    con.close()
    assert {unframed(t) for t in texts} == {"Which dog stole my breakfast?"}  # some quote the evidence first
    maker = FillerMaker(load_pack(pack_dir))
    assert "fillers/kite_flying" in maker.keys.values() and len(maker.plain) == len(load_pack().keys("fillers")) + 1


def test_errors_name_the_file_and_line(tmp_path):
    pack = write(tmp_path / "p", "fillers/x.j2", "{# preamble #}\n## conversation\nuser: hi\nassistant: {{ pet_nam }}\n")
    with pytest.raises(TemplateError, match=r"p/fillers/x\.j2 line 4: 'pet_nam' is undefined"):
        validate_pack(load_pack(pack))


def test_unsafe_attribute_access_is_refused_even_inside_filters(tmp_path):
    pack = write(tmp_path / "p", "fillers/x.j2",
                 "## conversation\nuser: {{ (dish.__class__ | string) }}\nassistant: ok\n")
    with pytest.raises(TemplateError, match=r"fillers/x\.j2 line 2: .*unsafe"):
        validate_pack(load_pack(pack))


def test_templates_must_sit_one_folder_deep(tmp_path):
    with pytest.raises(TemplateError, match="one folder deep"):
        load_pack(write(tmp_path / "p", "fillers/deeper/x.j2", "## conversation\nuser: a\nassistant: b\n"))


def test_assistant_facts_evidence_must_be_spoken_by_the_assistant(tmp_path):
    pack = write(tmp_path / "p", "assistant_facts/podcast_recommendation.j2",
                 "## conversation\n*user: try {{ value }}\nassistant: ok\n## question\nquestion: which podcast?\n")
    with pytest.raises(TemplateError, match="spoken by the assistant"):
        validate_pack(load_pack(pack))


def test_rendering_is_cached_but_equal_to_a_fresh_render():
    pack = load_pack()
    section = pack.sections("user_facts/dog_name", "conversation")[0]
    ctx = {"value": "Biscuit", "first_name": "Maya", "job": "nurse", "hobby": "chess"}
    first = section.conversation(ctx)
    assert section.conversation(dict(ctx)) is first
    assert first == section._conversation(ctx)
    assert any(text.count("Biscuit") and evidence for _, text, evidence in first)


def _slot_pools() -> dict[str, tuple[str, ...]]:
    pools = {slot: pool(p) for slots in (USER_SLOTS, ASSISTANT_SLOTS, CHANGING_SLOTS, NEGATIVE_SLOTS)
             for slot, p in slots.items()}
    for rankings in (user_facts.RANKINGS, assistant_facts.RANKINGS):
        for kind, (items, *_rest) in rankings.items():
            pools[kind] = items()
    for kind, (_, items, _, _) in aggregation.KINDS.items():
        if items:
            pools[kind] = items()
    pools["event"] = words("events")
    pools["cat_name"] = words("cat_names")
    return pools


def test_value_pools_of_different_slots_are_disjoint():
    pools = _slot_pools()  # a hard-negative slot shares its pool with the user's own slot of that name
    by_value: dict[str, set[str]] = {}
    for slot, values in pools.items():
        for value in values:
            by_value.setdefault(value, set()).add(pool_name(slot))
    clashes = {v: s for v, s in by_value.items() if len(s) > 1}
    assert clashes == {}, clashes


def test_no_value_is_a_run_of_words_inside_another_pools_value():
    """validate reads "cello" in "a secondhand cello case" as a competing instrument unless that longer value
    is registered in the very message, so pools share no value even as words inside another's."""
    pools: dict[str, set[str]] = {}
    for slot, values in _slot_pools().items():
        pools.setdefault(pool_name(slot), set()).update(values)
    runs = {name: {tuple(re.findall(r"\w+", v.lower())) for v in values} for name, values in pools.items()}
    found = []
    for name, values in runs.items():
        for other, longer in runs.items():
            if other == name:
                continue
            for v in values:
                found += [(name, " ".join(v), other, " ".join(u)) for u in longer
                          if len(u) > len(v) and any(u[i:i + len(v)] == v for i in range(len(u) - len(v) + 1))]
    assert found == [], found


def pool_name(slot: str) -> str:
    for slots in (USER_SLOTS, ASSISTANT_SLOTS, CHANGING_SLOTS, NEGATIVE_SLOTS):
        if slot in slots:
            return slots[slot]
    return slot


def test_fillers_never_name_a_slot_value():
    pack = load_pack()
    values = sorted({v for vs in _slot_pools().values() for v in vs}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, values)) + r")(?!\w)")
    persona = make_persona(0, random.Random(1))
    rng = random.Random(2)
    for key in pack.keys("fillers"):
        for section, _ in itertools.product(pack.sections(key, "conversation"), range(5)):
            for _, text, _ in section.conversation(filler_context(persona, rng)):
                hit = pattern.search(text)
                assert hit is None, f"{section.display}: {hit.group(0)!r} in {text!r}"


def test_question_wording_spans_low_to_high_overlap(tmp_path):
    out = tmp_path / "b.duckdb"
    generate(build_config({**SMALL, "questions_per_category": 12}), out, force=False, progress=False)
    con = duckdb.connect(str(out), read_only=True)
    shares = [r[0] for r in con.execute("SELECT word_overlap FROM questions").fetchall()]
    con.close()
    assert min(shares) == 0.0 and max(shares) >= 0.6
    assert sum(s < 0.2 for s in shares) > 0 and sum(0.2 <= s < 0.6 for s in shares) > 0

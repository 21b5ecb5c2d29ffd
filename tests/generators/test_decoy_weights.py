"""Decoy balance: every aside is acknowledged (so evidence is said by each speaker about as often as any
message), the per-key decoy weights name real template keys, and composed requests only cross a domain with
the task kinds its items fit."""

from __future__ import annotations

import random
import re
from collections import Counter

from memcurve.generators.compose import KINDS, families
from memcurve.generators.decoy_weights import WEIGHTS, weight
from memcurve.generators.planting import aggregation
from memcurve.generators.templating import BUILTIN_DIR, load_pack

_SPEECH = re.compile(r"^\s*(\*?)(user|assistant):", re.M)


def test_every_aside_of_the_builtin_pack_has_an_acknowledgement_line():
    asides, bare = 0, []
    for path in sorted(BUILTIN_DIR.glob("*/*.j2")):
        sections = re.split(r"^## (\w+)[ \t]*$", path.read_text(), flags=re.M)
        for kind, body in zip(sections[1::2], sections[2::2]):
            if kind == "aside":
                asides += 1
                if all(m.group(1) for m in _SPEECH.finditer(body)):  # every line is the marked statement
                    bare.append(f"{path.parent.name}/{path.name}")
    assert asides >= 200 and bare == []


def test_weights_name_template_keys_with_asides_and_are_positive():
    pack = load_pack()
    with_asides = {key for key, sections in pack.files.items() if any(s.kind == "aside" for s in sections)}
    assert set(WEIGHTS) <= with_asides
    assert all(0 < w <= 20 for w in WEIGHTS.values())
    assert weight("negatives/cat_name") == WEIGHTS.get("negatives/cat_name", 0.32)
    assert weight("user_pack_only/new_key") == 1.0  # a user pack's own keys take their category's (else 1.0)


def test_questions_about_the_world_are_explained_not_planned():
    kinds = Counter(d for d, _ in families())
    assert {k for d, k in families() if d == "science_questions"} == {"explain", "draft"}
    assert max(kinds.values()) == len(KINDS) and len(families()) >= 250


def test_a_count_is_uniform_over_every_total_its_conversations_can_hold():
    rng = random.Random(1)
    for n in (2, 5):
        totals = Counter()
        for _ in range(4000):
            total = rng.randint(n, aggregation.ITEMS_PER_MESSAGE * n)
            per = aggregation._split(rng, total, n)
            assert sum(per) == total and all(1 <= p <= aggregation.ITEMS_PER_MESSAGE for p in per)
            totals[total] += 1
        reachable = (aggregation.ITEMS_PER_MESSAGE - 1) * n + 1
        assert len(totals) == reachable
        assert max(totals.values()) / 4000 < 1.5 / reachable  # no total much commoner than the others

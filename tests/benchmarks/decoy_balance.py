"""Decoy asides against evidence, per template key: how often each key's sentences sit in evidence messages
and in the other messages of one generated store, and the decoy weights that would make them equally common.

A detector trained on one store learns each template key's words with the weight E_k / D_k (evidence messages
of key k over non-evidence messages carrying a decoy aside of key k). When that ratio differs between keys, the
keys with more evidence per decoy mark evidence, whatever the seed. Within one speaker (a speaker's asides
compete only with each other) this prints E_k / D_k against the speaker's mean and the weight
`generators.decoy_weights` would need for the two to be equal: the current one times that ratio (clipped to
0.05..20, and shrunk towards 1 for keys with few evidence messages; a key's share of its speaker's decoys
moves about in proportion to its weight, so one or two rounds settle it). Keys that are never evidence
(other people's values outside abstention) keep their weight: they are hard negatives, not decoys of a
question.

    python tests/benchmarks/decoy_balance.py [--personas 40] [--seeds 101,102]

Which kinds a persona reserves is drawn per persona, so one store of 20 personas moves a key's ratio by a
factor of 3 or more; the counts of several seeds (one process each) are pooled.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from collections import Counter
from pathlib import Path

import duckdb

import memcurve.generators.fillers as fillers
from memcurve.generators.config import GenerationConfig
from memcurve.generators.decoy_weights import weight
from memcurve.generators.generate import generate

PRIOR = 5
SHARED_KEYS = ("preferences", "implicit_connections", "temporal")  # every question of these plants one key


def evidence_key(question_type: str) -> str:
    """The template key whose asides carry a question's evidence."""
    category, topic = question_type.split("/", 1)
    if category in SHARED_KEYS:
        return f"{category}/plant"
    if category == "abstention":
        return f"negatives/{topic}"
    return question_type


def _recording_decoys(sentences: dict[str, str], speakers: dict[str, str]):
    """Wrap PersonaFillers._decoy so every decoy sentence drawn is mapped to its key (and the key to its speaker)."""
    original = fillers.PersonaFillers._decoy

    def patched(self, keys):
        pick = original(self, keys)
        speaker = next(s for s, held in self.decoys.items() if held is keys)
        speakers.update({k: speaker for k in keys})
        names, weights = fillers.decoy_key_weights(keys)  # replayed: the key a pick drew is not returned

        def recording(rng):
            state = rng.getstate()
            key = rng.choices(names, weights)[0]
            rng.setstate(state)
            out = pick(rng)
            sentences[out[0]] = key
            return out
        return recording
    return patched


def measure(personas: int, seed: int, out: Path) -> tuple[Counter, Counter, dict[str, str], dict[str, int]]:
    sentences: dict[str, str] = {}
    speakers: dict[str, str] = {}
    fillers.PersonaFillers._decoy = _recording_decoys(sentences, speakers)
    generate(GenerationConfig(seed=seed, personas=personas), out, force=True, progress=False, workers=1)
    con = duckdb.connect(str(out), read_only=True)
    ev = dict(con.execute("SELECT e.message_id, min(q.question_type) FROM evidence e JOIN questions q "
                          "USING (question_id) GROUP BY 1").fetchall())
    ev_speaker = dict(con.execute("SELECT m.message_id, m.speaker FROM messages m JOIN evidence e "
                                  "USING (message_id)").fetchall())
    evidence, decoys = Counter(), Counter()
    for mid, qtype in ev.items():  # only the messages of the speaker that says the key's asides (not replies to them)
        key = evidence_key(qtype)
        if speakers.get(key) == ev_speaker[mid]:
            evidence[key] += 1
    pattern = re.compile("|".join(re.escape(s) for s in sorted(sentences, key=len, reverse=True)))
    totals = Counter()
    for mid, speaker, text in con.execute("SELECT message_id, speaker, text FROM messages").fetchall():
        if mid in ev:
            continue
        totals[speaker] += 1
        for sentence in set(pattern.findall(text)):
            key = sentences[sentence]
            decoys[key] += 1
    return evidence, decoys, speakers, totals


def _measure_seed(personas: int, seed: int):
    with tempfile.TemporaryDirectory() as tmp:
        return measure(personas, seed, Path(tmp) / "store.duckdb")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--personas", type=int, default=40)
    parser.add_argument("--seeds", default="101,102", help="comma-separated; one process per seed")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    evidence, decoys, key_speaker, totals = Counter(), Counter(), {}, Counter()
    with ProcessPoolExecutor(len(seeds)) as pool:
        for e, d, k, t in pool.map(_measure_seed, [args.personas] * len(seeds), seeds):
            evidence.update(e), decoys.update(d), key_speaker.update(k), totals.update(t)
    print(f"{args.personas} personas, seeds {args.seeds}: evidence messages {sum(evidence.values())}, "
          f"decoy asides in other messages {sum(decoys.values())} ({dict(totals)} other messages)")
    suggested = {}
    for speaker in sorted(set(key_speaker.values())):
        keys = sorted(k for k, s in key_speaker.items() if s == speaker)
        both = [k for k in keys if evidence[k] and decoys[k]]
        mean = sum(evidence[k] for k in both) / max(1, sum(decoys[k] for k in both))
        print(f"\n{speaker}: mean evidence per decoy {mean:.4f}")
        print(f"  {'key':45} {'evidence':>8} {'decoys':>7} {'ratio':>6} {'weight':>7} {'suggested':>9}")
        for k in keys:
            # PRIOR evidence messages' worth of "as the mean" keeps a key seen in 2 evidence messages near 1
            ratio = (evidence[k] + PRIOR) / (mean * decoys[k] + PRIOR) if evidence[k] and decoys[k] else None
            new = weight(k) if ratio is None else min(20.0, max(0.05, weight(k) * ratio))
            suggested[k] = round(new, 2)
            shown = "-" if ratio is None else f"{ratio:.2f}"
            print(f"  {k:45} {evidence[k]:8} {decoys[k]:7} {shown:>6} {weight(k):7.2f} {new:9.2f}")
    print("\nWEIGHTS = {")
    for k, v in sorted(suggested.items()):
        print(f"    {k!r}: {v},")
    print("}")


if __name__ == "__main__":
    main()

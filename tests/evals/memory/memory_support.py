"""A hand-built benchmark with a changing fact, and scripted mockllm replies for memory-system tests.

Conversations (one persona, p001):
  c0  "My manager is Oluwaseun."                          fact manager_name=Oluwaseun (superseded by f1)
  c1  "Oluwaseun left, my new manager is Gwendolyn."      fact manager_name=Gwendolyn
  c2  "I live in Leeds now."                              fact home_city=Leeds
  c3  "I really can't handle spicy food at all."          fact dinner.spice=no_heat (a coded value)
Histories: p001-h00-n0002 = c0, c1; p001-h00-n0004 = c0..c3 (the first is a prefix of the second).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from support import mock_output

from memcurve.generators.overlap import question_overlap
from memcurve.generators.store import atomic_store, insert_rows, write_meta
from memcurve.generators.tokens import estimate_tokens

START = datetime(2024, 2, 5, 10, 0)
CONVERSATIONS = {
    "p001-c0000": [("user", "Help me write a note to my boss. My manager is Oluwaseun."),
                   ("assistant", "Sure, here is a short note for Oluwaseun.")],
    "p001-c0001": [("user", "Oluwaseun left, my new manager is Gwendolyn. How do I introduce myself?"),
                   ("assistant", "Keep it short and friendly.")],
    "p001-c0002": [("user", "I live in Leeds now. Any good parks nearby?"),
                   ("assistant", "Roundhay Park is lovely.")],
    "p001-c0003": [("user", "I really can't handle spicy food at all. What should I cook?"),
                   ("assistant", "Try a mild risotto.")],
}
H2, H4 = "p001-h00-n0002", "p001-h00-n0004"
HISTORIES = {H2: ["p001-c0000", "p001-c0001"], H4: list(CONVERSATIONS)}
QUESTIONS = {"p001-q0000": ("changing_facts", "Who is my manager now?", "Gwendolyn", "manager_name"),
             "p001-q0001": ("user_facts", "Which city do I live in?", "Leeds", "home_city")}


def day(i: int) -> datetime:
    return START + timedelta(days=i)



def _overlaps(msgs: dict, questions: list[str], evidence: list[str]) -> dict[str, list]:
    """The overlap columns as generators.overlap measures them (one evidence message per question)."""
    text = dict(zip(msgs["message_id"], msgs["text"]))
    conversation = dict(zip(msgs["message_id"], msgs["conversation_id"]))
    measured = [question_overlap(q, [text[m]], [t for i, t in text.items() if conversation[i] == conversation[m]])
                for q, m in zip(questions, evidence)]
    return {name: [row[k] for row in measured]
            for k, name in enumerate(("word_overlap", "conversation_overlap", "overlap_level"))}

def build_memory_store(path: str | Path) -> Path:
    path = Path(path)
    conv = {k: [] for k in ("conversation_id", "persona_id", "started_at", "topic", "kind")}
    msgs = {k: [] for k in ("message_id", "conversation_id", "position", "speaker", "text", "sent_at", "tokens")}
    for i, (cid, turns) in enumerate(CONVERSATIONS.items()):
        for col, val in zip(conv, (cid, "p001", day(i), "chat", "evidence")):
            conv[col].append(val)
        for pos, (speaker, text) in enumerate(turns):
            for col, val in zip(msgs, (f"{cid}-m{pos:02d}", cid, pos, speaker, text, day(i) + timedelta(minutes=pos),
                                       estimate_tokens(text))):
                msgs[col].append(val)
    facts = [("p001-f0000", "manager_name", "Oluwaseun", 0, "p001-f0001", "p001-c0000-m00"),
             ("p001-f0001", "manager_name", "Gwendolyn", 1, None, "p001-c0001-m00"),
             ("p001-f0002", "home_city", "Leeds", 2, None, "p001-c0002-m00"),
             ("p001-f0003", "dinner.spice", "no_heat", 3, None, "p001-c0003-m00")]
    tokens = dict(zip(msgs["message_id"], msgs["tokens"]))
    with atomic_store(path, force=True) as con:
        write_meta(con, {"seed": 0, "source": "tests.memory_support", "config": {"memory": True}})
        insert_rows(con, "personas", {"persona_id": ["p001"], "name": ["Sam Okafor"], "attributes": ["{}"]})
        insert_rows(con, "conversations", conv)
        insert_rows(con, "messages", msgs)
        insert_rows(con, "facts", {
            "fact_id": [f[0] for f in facts], "persona_id": ["p001"] * 4, "subject": ["user"] * 4,
            "slot": [f[1] for f in facts], "value": [f[2] for f in facts], "valid_from": [day(f[3]) for f in facts],
            "valid_to": [day(1), None, None, None], "superseded_by": [f[4] for f in facts],
            "message_id": [f[5] for f in facts]})
        qids = list(QUESTIONS)
        insert_rows(con, "questions", {
            "question_id": qids, "persona_id": ["p001"] * 2, "category": [q[0] for q in QUESTIONS.values()],
            "question_type": [f"{q[0]}/{q[3]}" for q in QUESTIONS.values()],
            "text": [q[1] for q in QUESTIONS.values()], "answer": [q[2] for q in QUESTIONS.values()],
            "aliases": [[], []], "rubric": [None, None], "answer_kind": ["text", "text"],
            "slot": [q[3] for q in QUESTIONS.values()], "asked_at": [day(10)] * 2, "is_abstention": [False, False],
            "evidence_count": [1, 1], **_overlaps(msgs, [q[1] for q in QUESTIONS.values()],
                                                  ["p001-c0001-m00", "p001-c0002-m00"])})
        insert_rows(con, "evidence", {"question_id": qids, "message_id": ["p001-c0001-m00", "p001-c0002-m00"],
                                      "ordinal": [0, 0]})
        insert_rows(con, "histories", {
            "history_id": list(HISTORIES), "persona_id": ["p001"] * 2, "chain_id": ["p001-h00"] * 2,
            "size": [len(v) for v in HISTORIES.values()],
            "tokens": [sum(t for m, t in tokens.items() if m.rsplit("-", 1)[0] in v) for v in HISTORIES.values()]})
        hc = {"history_id": [], "position": [], "conversation_id": []}
        hq = {"history_id": [], "question_id": []}
        for hid, convs in HISTORIES.items():
            for pos, cid in enumerate(convs):
                hc["history_id"].append(hid); hc["position"].append(pos); hc["conversation_id"].append(cid)
            for qid in qids:
                hq["history_id"].append(hid); hq["question_id"].append(qid)
        insert_rows(con, "history_conversations", hc)
        insert_rows(con, "history_questions", hq)
    return path


# conversation marker (text in the extraction prompt's LAST conversation) -> extracted facts JSON (after the opening)
EXTRACTIONS = {
    "My manager is Oluwaseun": '"Manager is Oluwaseun"]}',
    "my new manager is Gwendolyn": '"Manager is now Gwendolyn"]}',
    "I live in Leeds now": '"Lives in Leeds", "Owns a purple submarine", "Speaks fluent Klingon"]}',
    "can't handle spicy food": '"Lives in Leeds", "Sold the purple submarine", "Dislikes spicy food"]}',
}
# shown old memories (exact block) -> update events JSON (after the opening)
UPDATES = {
    "Old memories:\n0: Manager is Oluwaseun\nNew facts:\n- Manager is now Gwendolyn":
        '{"id": "0", "text": "Manager is Gwendolyn", "event": "UPDATE", "old_memory": "Manager is Oluwaseun"}, '
        '{"id": "7", "text": "Manager is Bob", "event": "UPDATE"}]}',
    "Old memories:\n0: Lives in Leeds\n1: Owns a purple submarine\nNew facts:":
        '{"id": "0", "text": "Lives in Leeds", "event": "NONE"}, {"id": "1", "text": "", "event": "DELETE"}, '
        '{"id": "9", "text": "Dislikes spicy food", "event": "ADD"}]}',
}


def last_block(prompt: str, marker: str) -> str:
    return prompt.rsplit(marker, 1)[-1]


class Scripted:
    """mockllm custom_outputs: scripted memory replies routed on the prompt; every output has usage.

    `garbage` maps a conversation marker to how many malformed replies to give before the scripted one.
    Records every prompt it answered in `prompts`.
    """

    def __init__(self, garbage: dict[str, int] | None = None, answer: str = "Gwendolyn"):
        self.garbage = dict(garbage or {})
        self.answer = answer
        self.prompts: list[str] = []

    def __call__(self, input, tools, tool_choice, config):
        prompt = input[-1].text
        self.prompts.append(prompt)
        if prompt.endswith('{"facts": ['):
            convo = last_block(prompt, "Conversation on ")
            for marker, reply in EXTRACTIONS.items():
                if marker in convo:
                    if self.garbage.get(marker, 0) > 0:
                        self.garbage[marker] -= 1
                        return mock_output("facts are: manager Gwendolyn, ok?", 100, 20)
                    return mock_output(reply, 100, 20)
            return mock_output("]}", 100, 2)
        if prompt.endswith('{"memory": ['):
            block = "Old memories:" + last_block(prompt, "Old memories:")
            for shown, reply in UPDATES.items():
                if block.startswith(shown):
                    return mock_output(reply, 120, 40)
            return mock_output("]}", 120, 2)
        if prompt.endswith("Updated summary:"):
            convo = last_block(prompt, "New conversation on ")
            if "Gwendolyn" in convo:
                return mock_output("The user's manager is Gwendolyn.", 80, 10)
            if "Oluwaseun" in convo:
                return mock_output("The user's manager is Oluwaseun.", 80, 10)
            return mock_output("The user's manager is Gwendolyn. The user lives in Leeds.", 80, 12)
        return mock_output(self.answer, 50, 3)

    def calls(self, opening: str) -> int:
        return sum(p.endswith(opening) for p in self.prompts)

"""The DuckDB schema: the one contract between generators, importers, solvers and analysis.

Every table is listed with the key that orders it, so hashing and exporting are deterministic.
Bump SCHEMA_VERSION whenever a column changes meaning or a table changes shape.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# Table name -> (DDL, ORDER BY key used for hashing and export).
TABLES: dict[str, tuple[str, str]] = {
    "meta": (
        """
        CREATE TABLE meta (
            key   VARCHAR PRIMARY KEY,   -- schema_version, memcurve_version, seed, config, source, created_at
            value VARCHAR NOT NULL
        )""",
        "key",
    ),
    "personas": (
        """
        CREATE TABLE personas (
            persona_id VARCHAR PRIMARY KEY,  -- p003
            name       VARCHAR NOT NULL,
            attributes JSON    NOT NULL      -- age, job, home city, ... (free form, for prompts and reading)
        )""",
        "persona_id",
    ),
    "conversations": (
        """
        CREATE TABLE conversations (
            conversation_id VARCHAR PRIMARY KEY,  -- p003-c0042
            persona_id      VARCHAR NOT NULL,
            started_at      TIMESTAMP NOT NULL,
            topic           VARCHAR NOT NULL,
            kind            VARCHAR NOT NULL      -- evidence | filler | imported
        )""",
        "conversation_id",
    ),
    "messages": (
        """
        CREATE TABLE messages (
            message_id      VARCHAR PRIMARY KEY,  -- p003-c0042-m07
            conversation_id VARCHAR NOT NULL,
            position        INTEGER NOT NULL,     -- 0-based order inside the conversation
            speaker         VARCHAR NOT NULL,     -- user | assistant
            text            VARCHAR NOT NULL,
            sent_at         TIMESTAMP NOT NULL,
            tokens          INTEGER NOT NULL      -- estimate from memcurve.generators.tokens
        )""",
        "message_id",
    ),
    "facts": (
        """
        CREATE TABLE facts (
            fact_id       VARCHAR PRIMARY KEY,
            persona_id    VARCHAR NOT NULL,
            subject       VARCHAR NOT NULL,     -- user | assistant | someone else (a hard negative: 'my sister')
            slot          VARCHAR NOT NULL,     -- pet_name, home_city, ...
            value         VARCHAR NOT NULL,
            valid_from    TIMESTAMP NOT NULL,
            valid_to      TIMESTAMP,            -- NULL while still true
            superseded_by VARCHAR,              -- fact_id of the value that replaced this one
            message_id    VARCHAR NOT NULL      -- the message that planted it
        )""",
        "fact_id",
    ),
    "questions": (
        """
        CREATE TABLE questions (
            question_id    VARCHAR PRIMARY KEY,  -- p003-q0017
            persona_id     VARCHAR NOT NULL,
            category       VARCHAR NOT NULL,     -- see generators.categories
            question_type  VARCHAR NOT NULL,     -- finer label: template name or the source dataset's own type
            text           VARCHAR NOT NULL,
            answer         VARCHAR NOT NULL,     -- the gold answer (or the rubric's short form)
            aliases        VARCHAR[] NOT NULL,   -- other accepted spellings of the answer
            rubric         VARCHAR,              -- what a good reply must do (preferences, implicit connections)
            answer_kind    VARCHAR NOT NULL,     -- text | number | date | rubric | abstention
            slot           VARCHAR,              -- the fact slot the question is about, if any
            asked_at       TIMESTAMP NOT NULL,
            is_abstention  BOOLEAN NOT NULL,
            evidence_count INTEGER NOT NULL,
            word_overlap   DOUBLE NOT NULL       -- content-word overlap of question and evidence, 0..1
        )""",
        "question_id",
    ),
    "evidence": (
        """
        CREATE TABLE evidence (
            question_id VARCHAR NOT NULL,
            message_id  VARCHAR NOT NULL,
            ordinal     INTEGER NOT NULL,     -- order of the evidence in time
            PRIMARY KEY (question_id, message_id)
        )""",
        "question_id, ordinal",
    ),
    "histories": (
        """
        CREATE TABLE histories (
            history_id VARCHAR PRIMARY KEY,  -- p003-h02-n0030
            persona_id VARCHAR NOT NULL,
            chain_id   VARCHAR NOT NULL,     -- p003-h02: histories of one chain are nested by size
            size       INTEGER NOT NULL,     -- number of conversations
            tokens     INTEGER NOT NULL      -- sum of message token estimates
        )""",
        "history_id",
    ),
    "history_conversations": (
        """
        CREATE TABLE history_conversations (
            history_id      VARCHAR NOT NULL,
            position        INTEGER NOT NULL,  -- chronological order inside the history
            conversation_id VARCHAR NOT NULL,
            PRIMARY KEY (history_id, position)
        )""",
        "history_id, position",
    ),
    "history_questions": (
        """
        CREATE TABLE history_questions (
            history_id  VARCHAR NOT NULL,
            question_id VARCHAR NOT NULL,
            PRIMARY KEY (history_id, question_id)
        )""",
        "history_id, question_id",
    ),
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
# meta keys that change from run to run and so stay out of the content hash
VOLATILE_META_KEYS = ("created_at",)

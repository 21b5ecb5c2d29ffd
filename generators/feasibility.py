"""Up-front limits on what one generation may ask for, checked before any work.

Why: without them `--personas 100000000` or `--sizes 999999` started working and grew past 1.4 GB in
47 s before failing, and `--start-date 9999-12-31` ended in an OverflowError deep in the generator.
Each limit is far above any published benchmark (ConvoMem's largest history is 300 conversations,
LongMemEval M's about 500 sessions) and each refusal says which setting and what the limit is.
"""

from __future__ import annotations

from datetime import date

from memcurve.errors import ConfigError

MAX_PERSONAS = 100_000
MAX_SIZE = 2_000  # conversations in one history
MAX_TOKEN_SIZE = 4_000_000  # tokens in one history (about MAX_SIZE conversations at real length)
MAX_QUESTIONS_PER_CATEGORY = 1_000  # per persona
MAX_QUESTIONS_PER_HISTORY = 1_000
MAX_CONVERSATIONS = 5_000_000  # estimated for the whole benchmark: tens of GB of DuckDB beyond this
MAX_WORKERS = 64
EARLIEST_START, LATEST_START = date(1900, 1, 1), date(2200, 12, 31)  # histories span years past the start
MEAN_EVIDENCE = 2  # evidence conversations per question, for the size estimate


def check_scale(config) -> None:
    """Refuse a GenerationConfig that could not finish in reasonable time and space, saying why."""
    for name, value, limit in (("personas", config.personas, MAX_PERSONAS),
                               ("questions_per_category", config.questions_per_category, MAX_QUESTIONS_PER_CATEGORY),
                               ("questions_per_history", config.questions_per_history, MAX_QUESTIONS_PER_HISTORY)):
        if value > limit:
            raise ConfigError(f"invalid {name} {value}: at most {limit:,}")
    largest = max(config.sizes)
    if config.size_unit == "tokens":
        if largest > MAX_TOKEN_SIZE:
            raise ConfigError(f"invalid size {largest:,} tokens: histories hold at most {MAX_TOKEN_SIZE:,} tokens")
        largest = conversations_for_tokens(largest, config.length)
    elif largest > MAX_SIZE:
        raise ConfigError(f"invalid size {largest}: histories hold at most {MAX_SIZE:,} conversations")
    per_persona = largest + len(config.categories) * config.questions_per_category * MEAN_EVIDENCE
    estimate = config.personas * per_persona
    if estimate > MAX_CONVERSATIONS:
        raise ConfigError(f"too large: {config.personas:,} personas x about {per_persona:,} conversations each "
                          f"is about {estimate:,} conversations; the limit is {MAX_CONVERSATIONS:,} "
                          "(use fewer personas, smaller sizes or fewer questions)")
    start = date.fromisoformat(config.start_date)
    if not EARLIEST_START <= start <= LATEST_START:
        raise ConfigError(f"invalid start_date {config.start_date}: must be between {EARLIEST_START} and "
                          f"{LATEST_START}")


def conversations_for_tokens(tokens: int, length: str) -> int:
    """About how many conversations hold `tokens` (for estimates only: generation measures every history)."""
    from memcurve.generators.compose import MEAN_CONVERSATION_TOKENS

    return max(1, round(tokens / MEAN_CONVERSATION_TOKENS[length]))


def check_workers(workers: int | None) -> None:
    """Worker processes: None (automatic) or 1 to MAX_WORKERS."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(f"invalid workers {workers}: must be 1 to {MAX_WORKERS} (or left out for automatic)")

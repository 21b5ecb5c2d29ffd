"""The category planters by name (kept apart from the package __init__ so vocab can load without them)."""

from __future__ import annotations

from memcurve.generators.planting import (abstention, aggregation, assistant_facts, changing_facts, implicit_connections,
                                 preferences, temporal, user_facts)

PLANTERS = {
    "user_facts": user_facts,
    "assistant_facts": assistant_facts,
    "changing_facts": changing_facts,
    "preferences": preferences,
    "implicit_connections": implicit_connections,
    "abstention": abstention,
    "temporal": temporal,
    "aggregation": aggregation,
}


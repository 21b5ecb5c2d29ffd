"""Checks made before a benchmark file is touched: the config fits the categories, and every template of
the pack renders with the contexts the generator will use (a dry render, so errors name file and line).
"""

from __future__ import annotations

import random

from memcurve.errors import ConfigError, TemplateError
from memcurve.generators.categories import CATEGORIES
from memcurve.generators.config import GenerationConfig
from memcurve.generators.fillers import filler_samples, negative_samples
from memcurve.generators.personas import make_persona
from memcurve.generators.planting.common import check_evidence
from memcurve.generators.planting.registry import PLANTERS
from memcurve.generators.templating import Pack


def check_feasible(config: GenerationConfig) -> None:
    """Every requested category must fit the largest history size (token sizes: the generator makes the
    timeline long enough for every category's evidence)."""
    if config.size_unit == "tokens":
        return
    largest = max(config.sizes)
    for name in config.categories:
        need = CATEGORIES[name].min_evidence
        if need > largest:
            raise ConfigError(f"sizes: category {name} needs histories of at least {need} conversations, "
                              f"but the largest size is {largest}")


def validate_pack(pack: Pack) -> None:
    """Dry-render every section of the pack with the contexts the generator will use; fail on the first error."""
    persona = make_persona(0, random.Random("memcurve:dry-run"))
    specs: dict[str, tuple[list, list, str | None]] = {}
    for planter in PLANTERS.values():
        specs.update(planter.samples(persona))
    specs.update(negative_samples(persona))
    specs.update(filler_samples(persona, pack))
    for key, sections in pack.files.items():
        if key not in specs:
            folder = key.split("/", 1)[0]
            valid = sorted(k.split("/", 1)[1] for k in specs if k.startswith(folder + "/"))
            hint = f"; {folder}/ expects: {', '.join(valid)}" if valid else ""
            raise TemplateError(f"{sections[0].display}: unknown template{hint}")
    for key, (conv_contexts, question_contexts, speaker) in specs.items():
        sections = pack.files.get(key)
        if not sections:
            raise TemplateError(f"templates/{key}.j2: missing from the pack")
        wanted = {"conversation": conv_contexts, "question": question_contexts,
                  "aside": conv_contexts if speaker else []}  # asides state a planted value
        for kind, contexts in wanted.items():
            if contexts and kind != "aside" and not any(s.kind == kind for s in sections):  # asides are optional
                raise TemplateError(f"{sections[0].display}: needs at least one '## {kind}' section")
        for section in sections:
            contexts = wanted[section.kind]
            if not contexts:
                raise TemplateError(f"{section.display} line {section.line}: unexpected '## {section.kind}' section")
            for ctx in contexts:
                if section.kind in ("conversation", "aside"):
                    check_evidence(section.display, section.line, section.conversation(ctx), speaker)
                else:
                    section.question(ctx)




"""Per-token prices for estimating what a run costs, overridable by the user.

Prices are US dollars per million tokens: input (full rate), output, cache read and cache write.
Matching is by the longest key that prefixes the model name, so "anthropic/claude-sonnet-4-5" covers
dated variants. Local models cost nothing. Check the built-in numbers against your provider's price
page before quoting them; pass `--prices FILE` (YAML or JSON, same shape) to override.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from memcurve.errors import ConfigError


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_read: float | None = None  # None: same as input
    cache_write: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0) -> float:
        read = self.input if self.cache_read is None else self.cache_read
        write = self.input if self.cache_write is None else self.cache_write
        return (input_tokens * self.input + output_tokens * self.output + cache_read * read
                + cache_write * write) / 1_000_000


BUILTIN_PRICES: dict[str, Price] = {
    "gguf/": Price(0.0, 0.0, 0.0, 0.0),
    "mockllm/": Price(0.0, 0.0, 0.0, 0.0),
    "anthropic/claude-opus-4": Price(15.0, 75.0, 1.50, 18.75),
    "anthropic/claude-opus-4-5": Price(5.0, 25.0, 0.50, 6.25),
    "anthropic/claude-sonnet-4": Price(3.0, 15.0, 0.30, 3.75),
    "anthropic/claude-haiku-4-5": Price(1.0, 5.0, 0.10, 1.25),
    "anthropic/claude-3-5-haiku": Price(0.80, 4.0, 0.08, 1.0),
    "openai/gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "openai/gpt-4o": Price(2.50, 10.0, 1.25),
    "openai/gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "openai/gpt-4.1": Price(2.0, 8.0, 0.50),
    "google/gemini-2.5-flash": Price(0.30, 2.50, 0.075),
    "google/gemini-2.5-pro": Price(1.25, 10.0, 0.31),
}


def load_prices(path: str | Path | None = None) -> dict[str, Price]:
    """The built-in table, updated with a user file of `model-prefix: {input:, output:, cache_read:, cache_write:}`."""
    prices = dict(BUILTIN_PRICES)
    if path is None:
        return prices
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read price table ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: price table is not UTF-8 text") from None
    except yaml.YAMLError:
        raise ConfigError(f"{p}: malformed price table (expected YAML or JSON)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: price table must map model prefixes to prices")
    for model, entry in data.items():
        if not isinstance(entry, dict) or "input" not in entry or "output" not in entry:
            raise ConfigError(f"{p}: entry {model!r} needs 'input' and 'output' ($ per million tokens)")
        try:
            prices[str(model)] = Price(**{k: (None if v is None else float(v)) for k, v in entry.items()})
        except (TypeError, ValueError):
            raise ConfigError(f"{p}: entry {model!r} has an unknown field or a non-numeric price") from None
    return prices


def price_for(model: str, prices: dict[str, Price]) -> Price | None:
    """The price of the longest matching prefix, or None when the model is not in the table."""
    matches = [key for key in prices if model.startswith(key)]
    return prices[max(matches, key=len)] if matches else None

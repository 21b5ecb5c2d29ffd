"""One registry per kind of name (solver, memory system, retriever, unit, key, scorer).

Each kind keeps its names in ONE place, in registration order; the valid-name lists of error messages,
the -T help text and the option parsers are all read from it, so adding a memory system or a retriever
is one `register` call next to its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from memcurve.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    value: T
    help: str


class Registry(Generic[T]):
    """Names of one kind -> registered objects, with one-line help and aliases.

    unknown: the wording of the refusal ("unknown" or "invalid"), e.g. "unknown solver 'x'; valid: a, b".
    """

    def __init__(self, kind: str, *, unknown: str = "unknown", aliases: dict[str, str] | None = None):
        self.kind, self.unknown = kind, unknown
        self.aliases: dict[str, str] = dict(aliases or {})
        self._entries: dict[str, Entry[T]] = {}
        self._followers: list[Callable[[Entry[T]], None]] = []

    def add(self, name: str, value: T, help: str = "") -> T:
        if name in self._entries or name in self.aliases:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        entry = Entry(name, value, help)
        self._entries[name] = entry
        for follow in self._followers:
            follow(entry)
        return value

    def follow(self, action: Callable[[Entry[T]], None]) -> None:
        """Run `action` for every entry, now and whenever one is added (a registry derived from this one)."""
        self._followers.append(action)
        for entry in list(self._entries.values()):
            action(entry)

    def register(self, name: str, help: str = "") -> Callable[[T], T]:
        """Decorator form of `add`."""
        return lambda value: self.add(name, value, help)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def valid(self) -> str:
        return ", ".join(self._entries)

    def canonical(self, name: object) -> str:
        """The registered name for `name` (aliases resolved); refuses unknown names in one line."""
        text = str(name).strip()
        text = self.aliases.get(text, text)
        if text not in self._entries:
            raise ConfigError(f"{self.unknown} {self.kind} {str(name).strip()!r}; valid: {self.valid()}")
        return text

    def get(self, name: object) -> T:
        return self._entries[self.canonical(name)].value

    def entry(self, name: object) -> Entry[T]:
        return self._entries[self.canonical(name)]

    def help(self) -> str:
        """'a | b | c' plus aliases, for -T help text."""
        alias = "".join(f" ({a} = {n})" for a, n in self.aliases.items())
        return " | ".join(self._entries) + alias

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.aliases.get(name, name) in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

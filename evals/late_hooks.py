"""Inspect hooks registered when first needed (a task is built, a bridge starts), not when memcurve is imported.

Inspect announces every hook it finds at start-up in a banner of four lines or more, printed before anything
else, a one-line option error included. A hook registered later still receives every event, because Inspect
looks the hooks up again on each emission; it is only left out of the banner.
"""

from __future__ import annotations

import threading

from inspect_ai.hooks import Hooks, hooks

_registered: set[str] = set()
_lock = threading.Lock()


def register_once(hook_type: type[Hooks], name: str, description: str) -> None:
    """Register `hook_type` under `name` the first time this is called for that name in the process."""
    with _lock:
        if name not in _registered:
            hooks(name=name, description=description)(hook_type)
            _registered.add(name)

"""User-facing errors: one line that names the file, field or value at fault.

The CLI prints these without a traceback and exits with code 2; anything else is a bug.
"""


class MemcurveError(Exception):
    """Bad input from the user (file, flag, template, config)."""


class ConfigError(MemcurveError):
    """A generation or task setting is invalid."""


class StoreError(MemcurveError):
    """A benchmark file is missing, unreadable or of another schema version."""


class TemplateError(MemcurveError):
    """A template pack is broken or unsafe."""


class InputFormatError(MemcurveError):
    """An imported dataset file is malformed."""

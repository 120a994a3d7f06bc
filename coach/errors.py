"""Typed errors with messages meant for the person at the keyboard (they are printed as-is by CLI and API)."""


class CoachError(Exception):
    """Base class: a clear, user-facing problem, never a crash."""


class InputError(CoachError):
    """Bad input: empty, too large, binary, malformed."""


class IndexBusyError(CoachError):
    """Another process is writing this data dir's index."""


class IndexMismatchError(CoachError):
    """The index was built with another embedding model/dimension: rebuild it."""

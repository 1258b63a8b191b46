"""Typed errors raised by the library; the CLI turns them into messages and exit codes."""


class TrackerError(Exception):
    """Base class: the message says what happened and how to fix it."""


class InputError(TrackerError):
    """An input file cannot be read as asked (missing, wrong format, missing column)."""


class IngestError(InputError):
    """A file could not be ingested at all (as opposed to single rejected rows)."""


class StoreError(TrackerError):
    """The database cannot be opened or is at an unknown schema version."""


class ModelError(TrackerError):
    """A model bundle is missing, corrupt, untrusted or built by another library version."""


class LabelError(TrackerError):
    """A labeled file breaks the label contract."""


class FetchError(TrackerError):
    """A remote thread could not be downloaded."""

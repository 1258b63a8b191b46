"""tracker: stances and arguments in forum debates about open versus proprietary AI."""

__version__ = "0.1.0"

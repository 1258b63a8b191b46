"""Options and helpers shared by several commands."""

from __future__ import annotations

import click

from tracker.store import Store


def open_store(ctx: click.Context, readonly: bool = False) -> Store:
    return Store(ctx.obj["db"], readonly=readonly)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")


_FIELD_OF = {"time": "created_at", "thread": "thread_id", "parent": "parent_id"}


def column_options(*names: str):
    """Add a `--NAME-column` option for each record field NAME (time, thread and parent stand
    for created_at, thread_id and parent_id); `column_mapping` turns their values into a map."""
    def decorate(function):
        for name in reversed(names):
            field = _FIELD_OF.get(name, name)
            function = click.option(f"--{name}-column", f"{name}_column", metavar="NAME",
                                    help=f"Input column holding {field} (default: {field}).")(function)
        return function
    return decorate


def column_mapping(options: dict) -> dict[str, str]:
    """{record field: input column} for the --NAME-column options that were given."""
    return {_FIELD_OF.get(key.removesuffix("_column"), key.removesuffix("_column")): value
            for key, value in options.items() if value}

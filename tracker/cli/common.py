"""Options and helpers shared by several commands."""

from __future__ import annotations

import click

from tracker.store import Store


def open_store(ctx: click.Context, readonly: bool = False) -> Store:
    return Store(ctx.obj["db"], readonly=readonly)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")

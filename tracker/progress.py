"""Progress bars on stderr for long work, silent when asked or when stderr is not a terminal."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int | None = None, desc: str = "", unit: str = "it", enabled: bool = True) -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5, unit_scale=True, leave=False)

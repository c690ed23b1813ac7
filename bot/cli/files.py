"""Files a command writes (an export, the Teams package): whole or not at all, and readable by their owner only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replacing(target: Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """A new file written beside `target` and renamed onto it once complete: `target` is either the whole new
    file or untouched.

    The file is made by mkstemp: a fresh random name opened with O_EXCL and mode 0600, so nothing planted in
    the directory (a file, or a symlink to one) is ever written through, and nobody else can read the export
    while it is written or afterwards. The rename replaces whatever sits at `target`, a symlink included,
    instead of following it."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_args) as out:
            yield out
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise

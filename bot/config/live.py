"""The config in force: the config folder through ``Reloading``, never replaced by a broken one.

Config changes are reviewed like code and deployed by editing the folder; a replica picks them up
on its next look after ``check_every`` (see ``bot.kernel.reloading``). A broken change is logged
with every error and the last good config keeps serving, so a typo never stops paging. Pages in
flight are unaffected either way: they carry their policy snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bot.config.loader import load_config
from bot.config.model import Config
from bot.kernel.reloading import Reloading, files_stamp


class LiveConfig(Reloading[Config]):
    """``on_reload`` is a shorthand for ``subscribe`` (kept for callers that pass it)."""

    def __init__(
        self,
        folder: Path,
        initial: Config,
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        on_reload: Callable[[Config], None] | None = None,
    ) -> None:
        super().__init__(
            lambda: load_config(folder),
            lambda: files_stamp(sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])),
            what=f"config in {folder}",
            initial=initial,
            check_every=check_every,
            monotonic=monotonic,
        )
        if on_reload is not None:
            self.subscribe(on_reload)

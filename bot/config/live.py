"""The config in force, reloaded when its files change, never replaced by a broken one.

Config changes are reviewed like code and deployed by editing the folder; a replica notices on its
next look after ``check_every`` has passed (a few ``stat`` calls, no thread). A valid new config
takes over at once; a broken one is logged with every error and the last good config keeps
serving, so a typo never stops paging. Pages in flight are unaffected either way: they carry their
policy snapshot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.config.loader import load_config
from bot.config.model import Config
from bot.kernel.yamlsource import SourceError, SourceErrors

log = logging.getLogger(__name__)

Stamp = tuple[tuple[str, float, int], ...]


class LiveConfig:
    def __init__(
        self,
        folder: Path,
        initial: Config,
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        on_reload: Callable[[Config], None] = lambda config: None,
    ) -> None:
        self._folder = folder
        self._current = initial
        self._check_every = check_every
        self._monotonic = monotonic
        self._on_reload = on_reload
        self._stamp = _stamp(folder)
        self._checked = monotonic()
        self.last_errors: list[SourceError] = []

    def __call__(self) -> Config:
        if self._monotonic() - self._checked >= self._check_every:
            self._checked = self._monotonic()
            if _stamp(self._folder) != self._stamp:
                self.reload()
        return self._current

    def reload(self) -> list[SourceError]:
        """Load the folder again; keep the current config (and return the errors) if invalid."""
        self._stamp = _stamp(self._folder)
        try:
            config = load_config(self._folder)
        except SourceErrors as errors:
            self.last_errors = errors.errors
            log.error(
                "config in %s not reloaded, still serving the last good one; %d error(s):\n%s",
                self._folder,
                len(errors.errors),
                "\n".join(f"  {e}" for e in errors.errors),
            )
            return errors.errors
        self._current, self.last_errors = config, []
        log.info("config in %s reloaded", self._folder)
        self._on_reload(config)
        return []


def _stamp(folder: Path) -> Stamp:
    """Names, modification times and sizes of the YAML files: what a change changes."""
    if not folder.is_dir():
        return ()
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return tuple((f.name, f.stat().st_mtime, f.stat().st_size) for f in files)

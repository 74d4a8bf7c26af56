"""The playbooks in force, reloaded when their files change, and their loading at start.

Playbooks change by editing files (reviewed like code); a replica notices on its next look after
``check_every`` seconds (a few ``stat`` calls, no thread). Unlike the config, a broken file does not
keep the old version alive: only that playbook becomes unavailable (and says why when asked for),
so the others always match what is on disk. Each new error or warning is logged once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.kernel.settings import Settings
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.loader import playbook_files

log = logging.getLogger(__name__)

Stamp = tuple[tuple[str, float, int], ...]


class LivePlaybooks:
    def __init__(
        self,
        folders: Iterable[Path | None],
        check_every: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._folders = tuple(folder for folder in folders if folder is not None)
        self._check_every = check_every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._logged: set[str] = set()
        self._stamp = _stamp(self._folders)
        self._checked = monotonic()
        self._current = self._load()

    def current(self) -> PlaybookLibrary:
        """The library, reloaded first if a file changed since the last look."""
        with self._lock:
            if self._monotonic() - self._checked >= self._check_every:
                self._checked = self._monotonic()
                stamp = _stamp(self._folders)
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._current = self._load()
                    log.info("playbooks reloaded: %s", _names(self._current))
            return self._current

    def _load(self) -> PlaybookLibrary:
        library = PlaybookLibrary.load(*self._folders)
        problems = [str(error) for error in (*library.warnings, *library.all_errors)]
        for problem in problems:
            if problem not in self._logged:
                log.warning("playbooks: %s", problem)
        self._logged = set(problems)
        return library


def load_playbooks(settings: Settings) -> LivePlaybooks:
    """For the composition root: the configured folders, loaded now, bad files logged as
    warnings (they never stop the bot from starting); files are looked at again as often as the
    config's (``CONFIG_RELOAD_SECONDS``)."""
    live = LivePlaybooks(
        (settings.playbooks_dir, settings.extra_playbooks_dir),
        check_every=settings.config_reload_seconds,
    )
    log.info("playbooks: %s", _names(live.current()))
    return live


def _names(library: PlaybookLibrary) -> str:
    count = len(library.playbooks)
    unavailable = f"; {len(library.errors)} invalid" if library.errors else ""
    return f"{count} loaded ({', '.join(library.playbooks) or 'none'}){unavailable}"


def _stamp(folders: tuple[Path, ...]) -> Stamp:
    """Paths, modification times and sizes of the playbook files: what an edit changes."""
    stamps = []
    for folder in folders:
        try:
            for path in playbook_files(folder):
                stat = path.stat()
                stamps.append((str(path), stat.st_mtime, stat.st_size))
        except OSError:  # missing, unreadable, or a file removed while listing: seen next time
            stamps.append((str(folder), -1.0, -1))
    return tuple(stamps)

"""The playbooks in force: the playbook folders through ``Reloading``, and their loading at start.

Playbooks change by editing files (reviewed like code); a replica picks them up on its next look
after ``check_every`` seconds (see ``bot.kernel.reloading``). Unlike the config, a broken file does
not keep the old version alive: only that playbook becomes unavailable (and says why when asked
for), so the others always match what is on disk. Each new error or warning is logged once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.settings import Settings
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.loader import playbook_files

log = logging.getLogger(__name__)


class LivePlaybooks(Reloading[PlaybookLibrary]):
    def __init__(
        self,
        folders: Iterable[Path | None],
        check_every: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._folders = tuple(folder for folder in folders if folder is not None)
        self._logged: set[str] = set()  # only touched while loading, under Reloading's lock
        super().__init__(
            self._load,
            lambda: files_stamp(_paths(self._folders)),
            what=f"playbooks in {', '.join(map(str, self._folders)) or 'no folder'}",
            check_every=check_every,
            monotonic=monotonic,
        )
        self.subscribe(lambda library: log.info("playbooks: %s", _names(library)))

    def current(self) -> PlaybookLibrary:
        """The library, reloaded first if a file changed since the last look."""
        return self()

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
    log.info("playbooks: %s", _names(live()))
    return live


def _names(library: PlaybookLibrary) -> str:
    count = len(library.playbooks)
    unavailable = f"; {len(library.errors)} invalid" if library.errors else ""
    return f"{count} loaded ({', '.join(library.playbooks) or 'none'}){unavailable}"


def _paths(folders: tuple[Path, ...]) -> list[Path]:
    """The playbook files to stamp; a folder that cannot be listed stands for its files, so it
    counts as changed when it can be listed again."""
    paths: list[Path] = []
    for folder in folders:
        try:
            paths.extend(playbook_files(folder))
        except OSError:  # missing or unreadable
            paths.append(folder)
    return paths

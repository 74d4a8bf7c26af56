"""Loading the config when the bot starts: refuse an invalid one, tolerate a missing one.

An invalid config stops the start with every error listed (``InvalidConfig``, printed by
``warroom serve``), because paging the wrong people is worse than not starting. A missing folder is
an empty config with a warning: the bot still declares incidents, it just has nobody to page.
Later changes are picked up by ``live.LiveConfig``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from bot.config.credentials import missing_credentials
from bot.config.loader import load_config
from bot.config.model import Config
from bot.kernel.yamlsource import SourceErrors

log = logging.getLogger(__name__)


class InvalidConfig(RuntimeError):
    """The config folder has errors; the message lists every one (file:line: field: ...)."""

    def __init__(self, folder: Path, errors: SourceErrors) -> None:
        count = len(errors.errors)
        lines = "\n".join(f"  {error}" for error in errors.errors)
        super().__init__(
            f"the config in {folder} has {count} error{'s' if count != 1 else ''}; fix "
            f"{'them' if count != 1 else 'it'} (check with `warroom config check --dir {folder}`) "
            f"and start again:\n{lines}"
        )
        self.errors = errors.errors


def load_startup_config(
    folder: Path, lookup: Callable[[str], str | None] | None = os.environ.get
) -> Config:
    """The valid config in ``folder``; an empty one (logged) if the folder does not exist.
    Every credential it names that ``lookup`` (the environment) lacks is logged once; None: the
    parent of ``warroom serve --workers N`` logged them already, not each worker again."""
    if not folder.is_dir():
        log.warning(
            "config folder %s not found: starting with no users, schedules or services "
            "(set CONFIG_DIR; see config/README.md)",
            folder,
        )
        return Config()
    try:
        config = load_config(folder)
    except SourceErrors as errors:
        raise InvalidConfig(folder, errors) from errors
    log.info(
        "config %s: %d users, %d schedules, %d escalation policies, %d services",
        folder,
        len(config.users),
        len(config.schedules),
        len(config.escalation_policies),
        len(config.services),
    )
    for missing in missing_credentials(config, lookup) if lookup else ():
        log.warning("%s", missing)
    return config

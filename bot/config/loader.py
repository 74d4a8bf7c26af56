"""``load_config``/``check_config``: the whole folder, every error at once.

Checks run in dependency order (users, then schedules, then policies, then services) but never stop
at the first problem: a reviewer fixing a config wants the full list, each with file, line, field
and a hint. Cross-file references are checked against every *declared* name, so an entry with a
type error is reported once, not again by everything that refers to it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.config.files import FILES, read_folder
from bot.config.model import Config
from bot.config.policies import check_policies
from bot.config.report import Report
from bot.config.schedules import check_schedules
from bot.config.services import check_services
from bot.config.users import check_users
from bot.kernel.yamlsource import SourceError, SourceErrors

_FILE_ORDER = {name: index for index, name in enumerate(FILES)}


def load_config(folder: str | Path, playbooks: Collection[str] | None = None) -> Config:
    """The valid ``Config`` in ``folder``; ``SourceErrors`` listing every error otherwise.

    ``playbooks``: the playbook names that exist, to check services' references (None: unchecked,
    for callers that load playbooks separately).
    """
    config, errors = _load(Path(folder), playbooks)
    if errors:
        raise SourceErrors(errors)
    return config


def check_config(folder: str | Path, playbooks: Collection[str] | None = None) -> list[SourceError]:
    """Every error in ``folder`` (empty when it is valid), in file then line order."""
    return _load(Path(folder), playbooks)[1]


def _load(folder: Path, playbooks: Collection[str] | None) -> tuple[Config, list[SourceError]]:
    report = Report()
    found = read_folder(folder, report)
    people = check_users(found.items.get("users", []), found.declared.get("users", set()), report)
    schedules = check_schedules(found.items.get("schedules", []), people, report)
    policies = check_policies(
        found.items.get("escalation_policies", []),
        people,
        found.declared.get("schedules", set()),
        report,
    )
    services = check_services(
        found.items.get("services", []),
        found.declared.get("escalation_policies", set()),
        playbooks,
        report,
    )
    config = Config(
        users=tuple(people.users),
        schedules=tuple(schedules.schedules),
        escalation_policies=tuple(policies),
        services=tuple(services),
        overrides=schedules.overrides,
        usergroups=schedules.usergroups,
    )
    return config, sorted(report.errors, key=_order)


def _order(error: SourceError) -> tuple[int, str, int]:
    return (_FILE_ORDER.get(Path(error.file).name, -1), error.file, error.line or 0)

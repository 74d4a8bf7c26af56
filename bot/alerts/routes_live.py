"""The routing in force: ``alert_routes.yaml`` re-read when it changes, like ``LiveConfig``.

A broken start refuses to start (``InvalidConfig``, every error listed); a broken change later is
logged and the last good routes keep serving. The known services follow the live config, so a
service added to ``services.yaml`` becomes routable without a restart.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.alerts.domain import Routing
from bot.alerts.routes_file import ROUTES_FILE, load_routing
from bot.config.model import Config
from bot.config.startup import InvalidConfig
from bot.kernel.yamlsource import SourceErrors

log = logging.getLogger(__name__)

Stamp = tuple[float, int] | None


class LiveRouting:
    def __init__(
        self,
        folder: Path,
        config: Callable[[], Config],
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._folder = folder
        self._config = config
        self._check_every = check_every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen_config = config()
        self._stamp = _stamp(folder / ROUTES_FILE)
        self._checked = monotonic()
        try:
            self._routing = load_routing(folder, _services(self._seen_config))
        except SourceErrors as errors:
            raise InvalidConfig(folder, errors) from errors

    def __call__(self) -> Routing:
        config = self._config()
        file_may_have_changed = self._monotonic() - self._checked >= self._check_every
        if config is not self._seen_config or file_may_have_changed:
            with self._lock:
                self._refresh(config)
        return self._routing

    def _refresh(self, config: Config) -> None:
        self._checked = self._monotonic()
        stamp = _stamp(self._folder / ROUTES_FILE)
        services = _services(config)
        if stamp == self._stamp and config is self._seen_config:
            return
        self._stamp, self._seen_config = stamp, config
        try:
            self._routing = load_routing(self._folder, services)
            log.info("alert routes in %s reloaded", self._folder)
        except SourceErrors as errors:
            log.error(
                "alert routes in %s not reloaded, still routing with the last good ones; "
                "%d error(s):\n%s",
                self._folder,
                len(errors.errors),
                "\n".join(f"  {e}" for e in errors.errors),
            )
            self._routing = dataclasses.replace(self._routing, services=frozenset(services))


def _services(config: Config) -> list[str]:
    return [service.name for service in config.services]


def _stamp(path: Path) -> Stamp:
    if not path.is_file():
        return None
    status = path.stat()
    return (status.st_mtime, status.st_size)

"""The routing in force: ``alert_routes.yaml`` through ``Reloading``, like the config.

A broken start refuses to start (``InvalidConfig``, every error listed); a broken change later is
logged and the last good routes keep serving. The known services follow the live config, so a
service added to ``services.yaml`` becomes routable without a restart, even while the routes file
is broken.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from bot.alerts.domain import Routing
from bot.alerts.routes_file import ROUTES_FILE, load_routing
from bot.config.model import Config
from bot.config.startup import InvalidConfig
from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.yamlsource import SourceErrors


class LiveRouting(Reloading[Routing]):
    def __init__(
        self,
        folder: Path,
        config: Callable[[], Config],
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._seen_config = config()
        path = folder / ROUTES_FILE
        try:
            super().__init__(
                lambda: load_routing(folder, self._services()),
                lambda: (files_stamp([path]), self._services()),
                what=f"alert routes in {folder}",
                check_every=check_every,
                monotonic=monotonic,
                keep=lambda routing: dataclasses.replace(routing, services=self._services()),
            )
        except SourceErrors as errors:
            raise InvalidConfig(folder, errors) from errors

    def __call__(self) -> Routing:
        config = self._config()
        if config is not self._seen_config:  # a new config may know other services: look now
            self._seen_config = config  # a race here only costs one more look at the stamp
            self.check()
        return super().__call__()

    def _services(self) -> frozenset[str]:
        return frozenset(service.name for service in self._config().services)

"""One fake of each provider per session (reset per test), and registries aimed at them whose
retry waits are recorded instead of slept, with jitter fixed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.playbooks.actions.registry import Actions
from tests.actions.support import FLAG_CASES, READ_ONLY, FlagCase, Servers, settings_for
from tests.notify.support import Waits
from warroom_sandbox.providers.flag_http import FakeFlagHttp
from warroom_sandbox.providers.flagsmith import FakeFlagsmith
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.unleash import FakeUnleash


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    read_only = {READ_ONLY}
    with (
        FakeLaunchDarkly(read_only_tokens=read_only) as launchdarkly,
        FakeUnleash(read_only_tokens=read_only) as unleash,
        FakeFlagsmith(read_only_tokens=read_only) as flagsmith,
        FakeFlagHttp(read_only_tokens=read_only) as flag_http,
        FakeKubernetes(read_only_tokens=read_only) as kubernetes,
    ):
        yield Servers(launchdarkly, unleash, flagsmith, flag_http, kubernetes)


@pytest.fixture
def fakes(servers: Servers) -> Iterator[Servers]:
    for server in servers:
        server.reset()
    yield servers
    for server in servers:
        server.accept_connections()  # a test may have left it refusing
        server.reset()


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def make_actions(fakes: Servers, waits: Waits) -> Iterator[Callable[..., Actions]]:
    """``make(env=None, **settings)`` builds a registry on settings aimed at the fakes."""
    built: list[Actions] = []

    def make(env: dict[str, str] | None = None, **overrides: Any) -> Actions:
        actions = Actions(
            settings_for(fakes, **overrides), env or {}, sleep=waits, draw=lambda: 0.5
        )
        built.append(actions)
        return actions

    yield make
    for actions in built:
        actions.close()


@pytest.fixture
def actions(make_actions: Callable[..., Actions]) -> Actions:
    return make_actions()


@pytest.fixture(params=FLAG_CASES, ids=str)
def case(request: pytest.FixtureRequest) -> FlagCase:
    param: FlagCase = request.param
    return param

"""The fake Slack for ``bench.ack_latency``, in a process of its own, and the requests Slack sends.

The fake Web API (``warroom_sandbox.FakeSlackServer``) answers every call warroom makes after an
ack (several per declare). Served from the process that times the acks, its work would hold that
process's GIL and delay the client's clock for warroom only (the floor calls Slack for nothing);
so it runs in a child process (``multiprocessing``, spawned), and :class:`FakeSlack` talks to it
over a pipe, between measured rounds only.

The child also builds the requests, because they must name things only the fake knows (a fresh
``trigger_id`` and ``response_url`` per request, the card's blocks, the modal as ``views.open``
returned it): ``warroom_sandbox.SlackDriver`` builds each body exactly as Slack would send it, and
:class:`Capture` keeps the body instead of posting it. The parent signs each body when it sends
it (``signed_headers``), as Slack signs at delivery.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx

from bot.incidents.slack.blocks import ACTION_UPDATE, UPDATE_CALLBACK
from warroom_sandbox.methods import METHODS
from warroom_sandbox.seed import GENERAL, ONCALL
from warroom_sandbox.server import FakeSlackServer
from warroom_sandbox.signing import SlackDriver

# Requests are built a round ahead of sending; Slack's 3 s (trigger) and 30 min (response_url)
# lifetimes would expire some of them before they are sent.
LIFETIME_SECONDS = 3600.0
STAGE_TITLE = "Bench stage"
STARTUP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Request:
    """One request as Slack would POST it: its body, its content type and, for a slash
    command, the token of its response_url (to find the answer in the fake)."""

    body: bytes
    content_type: str
    index: int
    response_token: str = ""


@dataclass(frozen=True)
class Call:
    """One Web API call or response_url post, as much of it as the benchmark reads."""

    method: str  # "response_url" for a post to a response_url
    at: float  # wall clock (time.time) when the fake answered
    ok: bool
    channel: str = ""
    users: str = ""
    name: str = ""
    created: str = ""  # conversations.create: the new channel's id
    token: str = ""  # response_url: its token
    error: str = ""  # Slack's error code when not ok


class Capture(SlackDriver):
    """A driver whose requests are kept, not sent: each ``send`` appends the body to ``kept``."""

    def __init__(self, slack: FakeSlackServer) -> None:
        super().__init__("http://capture.invalid/slack/events", "unused", slack)
        self.kept: list[tuple[bytes, str]] = []

    def send(
        self, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        self.kept.append((body, content_type))
        return httpx.Response(200)  # an empty ack: what warroom and the floor answer


@dataclass
class Stage:
    """An incident the in-channel requests aim at: its channel, its pinned card and the
    status-update modal opened on it."""

    channel: str
    card_ts: str
    update_view: dict[str, Any] = field(default_factory=dict)


class Workshop:
    """In the child: the fake, the incidents the in-channel requests aim at (in turn, by the
    request's index), and the builders."""

    def __init__(self, slack: FakeSlackServer) -> None:
        self.slack = slack
        self.driver = Capture(slack)
        self.stages: list[Stage] = []

    def requests(self, scenario: str, first: int, count: int) -> list[Request]:
        return [self._one(scenario, first + i) for i in range(count)]

    def _one(self, scenario: str, index: int) -> Request:
        self.driver.kept.clear()
        token = ""
        if scenario == "declare":
            self.driver.slash_command(
                text=f"declare Bench declare {index:05d} sev3", channel_id=GENERAL
            )
            token = str(self.driver.last_response_url).rsplit("/", 1)[-1]
        elif scenario == "stage":
            self.driver.slash_command(
                text=f"declare {STAGE_TITLE} {index:05d} sev3", channel_id=GENERAL
            )
        elif scenario == "status":
            channel = self._stage(index).channel
            self.driver.slash_command(text="status", channel_id=channel)
            token = str(self.driver.last_response_url).rsplit("/", 1)[-1]
        elif scenario == "button":  # "Post update" on the card: warroom opens the update modal
            stage = self._stage(index)
            self.driver.block_action(ONCALL, stage.channel, stage.card_ts, ACTION_UPDATE)
        elif scenario == "modal":  # that modal, submitted: warroom posts the update
            values = {"text": {"value": f"Bench update {index}"}}
            self.driver.view_submission(ONCALL, self._stage(index).update_view, values)
        else:
            raise ValueError(f"unknown scenario {scenario!r}")
        body, content_type = self.driver.kept[-1]
        return Request(body, content_type, index, token)

    def _stage(self, index: int) -> Stage:
        return self.stages[index % len(self.stages)]

    def find_stages(self, count: int) -> bool:
        """True once warroom has set ``count`` stage incidents' channels up (card pinned,
        topic)."""
        state, found = self.slack.state, []
        for channel in state.conversations():
            if "-bench-stage-" in channel.name and channel.topic:
                pins = state.pins(channel.id)
                if pins:
                    found.append(Stage(channel.id, pins[0].ts))
        if len(found) < count:
            return False
        self.stages = sorted(found, key=lambda stage: stage.channel)
        return True

    def find_update_modals(self) -> int:
        """How many stage incidents have had their status-update modal opened for the on-call
        user (each click replaces the one before, so each is kept when first seen)."""
        for view in self.slack.state.open_views(ONCALL):
            if view.get("callback_id") == UPDATE_CALLBACK:
                channel = json.loads(view.get("private_metadata") or "{}").get("channel_id")
                for stage in self.stages:
                    if stage.channel == channel and not stage.update_view:
                        stage.update_view = view
        return sum(1 for stage in self.stages if stage.update_view)

    def calls_since(self, mark: tuple[int, int]) -> tuple[tuple[int, int], list[Call]]:
        """Web API calls and response_url posts after ``mark``; and the new mark."""
        state = self.slack.state
        with state.lock:  # read under the fake's lock; only the few fields needed are copied
            api = state.call_log[mark[0] :]
            posts = state.response_posts[mark[1] :]
            calls = [_call(c.method, c.at, c.ok, c.params, c.response) for c in api]
            calls += [Call("response_url", p.at, True, token=p.token or "") for p in posts]
            new_mark = (mark[0] + len(api), mark[1] + len(posts))
        return new_mark, sorted(calls, key=lambda c: c.at)

    def activity(self) -> int:
        """How many calls and posts the fake has seen (grows while warroom is still working)."""
        state = self.slack.state
        return len(state.call_log) + len(state.response_posts)

    def last_call_at(self) -> float:
        """When (``time.time``) the fake answered its latest call or post; 0 before any."""
        state = self.slack.state
        with state.lock:
            latest = [log[-1].at for log in (state.call_log, state.response_posts) if log]
        return max(latest, default=0.0)


def _call(
    method: str, at: float, ok: bool, params: Mapping[str, Any], response: Mapping[str, Any]
) -> Call:
    channel = response.get("channel") if method == "conversations.create" else None
    return Call(
        method,
        at,
        ok,
        channel=str(params.get("channel") or ""),
        users=str(params.get("users") or ""),
        name=str(params.get("name") or ""),
        created=str(channel.get("id") or "") if isinstance(channel, dict) else "",
        error="" if ok else str(response.get("error") or ""),
    )


def _child(conn: Connection, latency_ms: float) -> None:
    """The child's main: serve the fake and answer the parent's requests until ``stop``."""
    slack = FakeSlackServer(trigger_ttl=LIFETIME_SECONDS, response_url_ttl=LIFETIME_SECONDS)
    if latency_ms:
        for method in [*METHODS, "response_url"]:
            slack.latency(method, latency_ms / 1000)
    with slack:
        workshop = Workshop(slack)
        conn.send(("ready", slack.api_url))
        while True:
            name, args = conn.recv()
            if name == "stop":
                break
            try:
                result = getattr(workshop, name)(*args)
            except Exception as error:  # told to the parent, which raises it there
                conn.send(("error", f"{type(error).__name__}: {error}"))
            else:
                conn.send(("ok", result))


class FakeSlack:
    """The parent's handle on the fake Slack process; a context manager."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self._conn, child_conn = context.Pipe()
        self.process = context.Process(
            target=_child, args=(child_conn, latency_ms), name="bench-fake-slack", daemon=True
        )
        self.api_url = ""

    def __enter__(self) -> FakeSlack:
        self.process.start()
        try:
            if not self._conn.poll(STARTUP_TIMEOUT_SECONDS):
                raise EOFError
            _, self.api_url = self._conn.recv()
        except EOFError:
            self.__exit__()
            raise RuntimeError("the fake Slack process did not start") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive():
            self._conn.send(("stop", ()))
            self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(10)

    def _ask(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        status, result = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"fake Slack: {name}: {result}")
        return result

    def requests(self, scenario: str, first: int, count: int) -> list[Request]:
        result: list[Request] = self._ask("requests", scenario, first, count)
        return result

    def find_stages(self, count: int) -> bool:
        return bool(self._ask("find_stages", count))

    def find_update_modals(self) -> int:
        return int(self._ask("find_update_modals"))

    def calls_since(self, mark: tuple[int, int]) -> tuple[tuple[int, int], list[Call]]:
        result: tuple[tuple[int, int], list[Call]] = self._ask("calls_since", mark)
        return result

    def activity(self) -> int:
        return int(self._ask("activity"))

    def last_call_at(self) -> float:
        return float(self._ask("last_call_at"))

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """Until the fake has seen no call for ``quiet`` seconds; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        last, since = self.activity(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(min(0.05, quiet))
            now = self.activity()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
        return False

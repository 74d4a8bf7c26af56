"""``warroom dev``: the bot, a Slack emulator and a browser page, in one process, on one port.

:class:`DevSandbox` wires it up and owns the lifecycle:

1. the emulator's workspace is loaded from its file (beside the SQLite database, see
   :func:`workspace_file_for`), so incidents in the database keep their channels across runs,
   and completed with the people and team channels of the bot's config
   (:mod:`warroom_sandbox.from_config`);
2. one uvicorn server (a background thread) serves the emulator (``/api/``), the page (``/``,
   ``/sandbox/``) and, once it is built, the bot (everything else: ``/slack/events``...);
3. the bot is built exactly as ``warroom serve`` builds it (:func:`bot.composition.build`), with
   ``SLACK_API_URL`` pointing at the emulator, a bot token the emulator accepts, and a signing
   secret made up for this run that the page's requests are signed with;
4. its timer runner is started, event retries run in the background, and the workspace is saved
   every couple of seconds when it changed.

:meth:`DevSandbox.stop` undoes all of it in reverse. :func:`run` is the command itself: start,
print the URL, replay a scenario if asked, wait for Ctrl-C (or SIGTERM), stop.
"""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

import httpx
from anyio.from_thread import start_blocking_portal
from markupsafe import Markup
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from warroom_sandbox.dev_providers import SandboxProviders, phone_line
from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.from_config import add_people, add_team_channels, heartbeat_monitors
from warroom_sandbox.modals import TRIGGER_TTL_SECONDS
from warroom_sandbox.openid import CLIENT_ID as OPENID_CLIENT_ID
from warroom_sandbox.openid import CLIENT_SECRET as OPENID_CLIENT_SECRET
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver
from warroom_sandbox.snapshot import load_file, save_file
from warroom_sandbox.web.actions import Actions, Result
from warroom_sandbox.web.app import BotSlot, SandboxRouter, create_page_app
from warroom_sandbox.web.delivery import SLACK_EVENT_RETRY_SCHEDULE, BotLink
from warroom_sandbox.web.desk import Desk
from warroom_sandbox.web.manifest import Manifest, load_manifest
from warroom_sandbox.web.page import HeartbeatLine, Line, PageContext, PhoneLine

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from bot.composition import Warroom
    from bot.kernel.settings import Settings
    from warroom_sandbox.scenario.runner import ScenarioRun

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "sqlite:///warroom-dev.db"
BOT_TOKEN = "xoxb-warroom-sandbox"
HEARTBEATS_TOKEN = "warroom-sandbox-heartbeats"
"""The sandbox's own ``HEARTBEATS_TOKEN`` (never the environment's): fixed, so a heartbeat can be
sent with curl; the sandbox only listens on loopback by default."""
SAVE_EVERY_SECONDS = 2.0


def workspace_file_for(database_url: str) -> Path:
    """Where the sandbox keeps its Slack workspace: beside a SQLite file, else the working folder.

    ``sqlite:///warroom-dev.db`` -> ``warroom-dev.slack.json``.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).with_suffix(".slack.json")
    return Path("warroom-dev.slack.json")


def sqlite_file_of(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database))
    return None


@dataclass
class DevOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    database_url: str = DEFAULT_DATABASE
    workspace_file: Path | None = None
    """None: :func:`workspace_file_for` the database. Tests pass a temporary path."""
    persist: bool = True
    enforce_rate_limits: bool = True
    trigger_ttl: float = TRIGGER_TTL_SECONDS
    event_retry_schedule: Sequence[float] = SLACK_EVENT_RETRY_SCHEDULE
    manifest: Manifest | None = None
    """None: ``slack-manifest.yaml`` in the working folder, else the built-in one."""
    extra_settings: dict[str, Any] = field(default_factory=dict)
    """More :class:`bot.kernel.settings.Settings` fields for the bot (tests: a faster sweep)."""
    fake_providers: bool = True
    """Run local LaunchDarkly/Unleash/Flagsmith/Kubernetes fakes for playbook actions."""
    clock: Callable[[], datetime] | None = None
    """The bot's clock (None: the real one). Tests move it on instead of waiting for a heartbeat's
    interval to pass."""


class DevSandbox:
    """The running sandbox. ``start()`` then ``url``; ``stop()`` when done (also on errors)."""

    def __init__(self, options: DevOptions | None = None) -> None:
        self.options = options or DevOptions()
        self.signing_secret = secrets.token_hex(16)
        self.emulator = SlackEmulator(
            enforce_rate_limits=self.options.enforce_rate_limits,
            trigger_ttl=self.options.trigger_ttl,
        )
        self.desk = Desk()
        self.slot = BotSlot()
        self.manifest = self.options.manifest or load_manifest()
        # The URLs are known once the port is bound (start()); nothing is sent before that.
        self.driver = SlackDriver("", self.signing_secret, self.emulator)
        self.link = BotLink(
            self.driver, health_url="", retry_schedule=self.options.event_retry_schedule
        )
        self.actions = Actions(self.emulator, self.link, self.desk, self.manifest)
        self.scenario: ScenarioRun | None = None
        self._monitors: list[str] = []
        self._beats: dict[str, int] = {}
        self._lines: list[Line] = []
        self._page_viewed = threading.Event()
        context = PageContext(
            ws=self.emulator.state,
            desk=self.desk,
            link=self.link,
            manifest=self.manifest,
            bot=self,
            lines=self._banner_lines,
            phones=self._phone_lines,
            heartbeats=self._heartbeat_lines,
        )
        page = create_page_app(context, self.actions, on_view=self._page_viewed.set)
        self._server = BackgroundServer(
            SandboxRouter(self.emulator.app, page, self.slot),
            host=self.options.host,
            port=self.options.port,
        )
        self._bot_lock = threading.Lock()
        self._warroom: Warroom | None = None
        self._bot_lifespan: ExitStack | None = None
        self._saver_stop = threading.Event()
        self._saver: threading.Thread | None = None
        self._saved_text: str | None = None
        self._started = False
        self.providers: SandboxProviders | None = None

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def workspace_file(self) -> Path:
        return self.options.workspace_file or workspace_file_for(self.options.database_url)

    def start(self) -> DevSandbox:
        """Load the workspace, serve the port, build and plug in the bot. If the bot cannot be
        built, what was started is stopped again and the error propagates."""
        if self.options.persist:
            load_file(self.emulator.state, self.workspace_file)
        config_dir = self._settings().config_dir
        add_people(self.emulator.state, config_dir)
        add_team_channels(self.emulator.state, config_dir)
        self._monitors = heartbeat_monitors(config_dir)
        self._server.start()
        self._started = True
        try:
            self.emulator.serve_at(self.url)
            self.driver.url = f"{self.url}/slack/events"
            self.link.health_url = f"{self.url}/healthz"
            self.link.start()
            if self.options.fake_providers:
                settings = self._settings()
                self.providers = SandboxProviders(settings.config_dir, settings.model_dump())
                self.providers.start()
                if banner := self.providers.banner():
                    self.add_line(Line("info", Markup("{}").format(banner)))
            self.start_bot()
            if self.options.persist:
                self._saver = threading.Thread(
                    target=self._save_loop, name="sandbox-saver", daemon=True
                )
                self._saver.start()
        except BaseException:
            self.stop()
            raise
        return self

    # --- the bot ------------------------------------------------------------------------------

    @property
    def bot_running(self) -> bool:
        return self._warroom is not None

    def start_bot(self) -> None:
        """Build the bot as ``warroom serve`` does, start it as uvicorn would (its ASGI
        lifespan: the timers), plug it in."""
        from bot.composition import build
        from bot.kernel.clock import utc_now

        with self._bot_lock:
            if self._warroom is not None:
                return
            warroom = build(self._settings(), self.options.clock or utc_now)
            self._bot_lifespan = run_lifespan(warroom.asgi)
            self._warroom = warroom
            self.slot.attach(warroom.asgi)
        self.link.health.note(True)

    def _settings(self) -> Settings:
        """The bot's settings: the environment's, with the sandbox's Slack and database, and
        the sandbox's own address as the public URL: the bot's pages (a post-mortem's review
        link, calendar feeds) are served on the sandbox's port, whatever ``PUBLIC_URL`` says."""
        from bot.kernel.settings import Settings

        url = self.emulator.api_url if self._started else "http://127.0.0.1:0/api/"
        public = {"public_url": self.url, "slack_openid_url": self.url} if self._started else {}
        return Settings(
            **{
                **(self.providers.settings() if self.providers else {}),
                **self.options.extra_settings,
                "slack_bot_token": SecretStr(BOT_TOKEN),
                "slack_signing_secret": SecretStr(self.signing_secret),
                "slack_app_token": None,
                "slack_api_url": url,
                # Sign in with Slack on the emulator: its consent page is the person picker.
                "slack_client_id": OPENID_CLIENT_ID,
                "slack_client_secret": SecretStr(OPENID_CLIENT_SECRET),
                "slack_team_id": None,
                "database_url": self.options.database_url,
                "heartbeats_token": SecretStr(HEARTBEATS_TOKEN),
                **public,
            }
        )

    def stop_bot(self, reason: str | None = "stopped from the sandbox page") -> None:
        """Unplug the bot (``/slack/events`` answers 503), run its lifespan's shutdown (timers,
        listener threads, outbound HTTP clients), close its database."""
        with self._bot_lock:
            warroom, self._warroom = self._warroom, None
            lifespan, self._bot_lifespan = self._bot_lifespan, None
            self.slot.detach()
        if lifespan is not None:
            lifespan.close()
        if warroom is not None:
            warroom.engine.dispose()
        if reason is not None:
            self.link.health.note(False, reason)

    def beat(self, monitor: str) -> Result:
        """What a monitored job does: ``POST /webhooks/heartbeat/<monitor>`` with the token."""
        try:
            answer = httpx.post(
                f"{self.url}/webhooks/heartbeat/{quote(monitor, safe='')}",
                headers={"Authorization": f"Bearer {HEARTBEATS_TOKEN}"},
                timeout=10.0,
            )
        except httpx.HTTPError as error:
            return Result(False, f"heartbeat {monitor}: the bot did not answer ({error})")
        if answer.status_code == 200:
            self._beats[monitor] = self._beats.get(monitor, 0) + 1
            return Result(True)
        try:
            reason = str(answer.json().get("error") or answer.text)
        except ValueError:
            reason = answer.text
        return Result(False, f"heartbeat {monitor}: {answer.status_code} {reason}".strip())

    # --- banners, saving ----------------------------------------------------------------------

    def add_line(self, line: Line) -> None:
        self._lines.append(line)

    def _banner_lines(self) -> list[Line]:
        lines = list(self._lines)
        if self.scenario is not None:
            lines.append(self.scenario.banner())
        return lines

    def _phone_lines(self) -> list[PhoneLine]:
        """What the local Twilio carried, for the page's sidebar."""
        twilio = self.providers.twilio if self.providers else None
        return [phone_line(item) for item in (twilio.traffic() if twilio else [])]

    def _heartbeat_lines(self) -> list[HeartbeatLine]:
        return [HeartbeatLine(name, self._beats.get(name, 0)) for name in self._monitors]

    def wait_for_page(self, timeout: float) -> bool:
        """Block until a browser opened the page (True) or ``timeout`` seconds passed."""
        return self._page_viewed.wait(timeout)

    def save(self) -> None:
        self._saved_text = save_file(self.emulator.state, self.workspace_file, self._saved_text)

    def _save_loop(self) -> None:
        while not self._saver_stop.wait(SAVE_EVERY_SECONDS):
            try:
                self.save()
            except OSError as error:
                log.warning("could not save the sandbox workspace: %s", error)

    # --- stopping -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the scenario, the bot, the retries and the server; save the workspace last."""
        if self.scenario is not None:
            self.scenario.cancel()
        self.stop_bot(reason=None)
        self.link.stop()
        self._saver_stop.set()
        if self._saver is not None:
            self._saver.join(5)
            self._saver = None
        self._server.stop()
        self.driver.close()
        if self.providers is not None:
            self.providers.stop()
        if self.options.persist and self._started:
            try:
                self.save()
            except OSError as error:
                log.warning("could not save the sandbox workspace: %s", error)
        self._started = False

    def __enter__(self) -> DevSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_lifespan(app: Starlette) -> ExitStack:
    """Run ``app``'s ASGI lifespan startup now, on an event loop thread of its own; closing the
    returned stack runs its shutdown.

    uvicorn runs the lifespan of the app it serves, here the sandbox's router (the page's), never
    the bot's: without this the bot's shutdown (listener threads, outbound clients) would not run.
    """
    stack = ExitStack()
    portal = stack.enter_context(start_blocking_portal())
    try:
        stack.enter_context(portal.wrap_async_context_manager(app.router.lifespan_context(app)))
    except BaseException:
        stack.close()
        raise
    return stack


# --- the command --------------------------------------------------------------------------------


def reset_files(database_url: str, workspace_file: Path, out: TextIO) -> bool:
    """``--reset``: delete the SQLite database and the saved workspace. False if it cannot."""
    database = sqlite_file_of(database_url)
    if database is None:
        print(
            f"warroom dev: --reset only deletes SQLite files; reset {database_url} yourself",
            file=out,
        )
        return False
    for path in (database, workspace_file):
        if path.exists():
            path.unlink()
            print(f"deleted {path}", file=out)
    return True


def mismatch_warning(database_url: str, workspace_file: Path) -> str | None:
    """A database without its workspace (or the reverse) means ids that point nowhere."""
    database = sqlite_file_of(database_url)
    if database is None:
        return None
    if database.exists() and not workspace_file.exists():
        return (
            f"{database} exists but its sandbox workspace {workspace_file} does not: incidents "
            "from before point at channels that are gone. Start over with `warroom dev --reset`."
        )
    if workspace_file.exists() and not database.exists():
        return (
            f"{workspace_file} exists but the database {database} does not: the workspace has "
            "channels of incidents the bot no longer knows. Start over with `warroom dev --reset`."
        )
    return None


def run(
    options: DevOptions,
    *,
    scenario_file: Path | None = None,
    reset: bool = False,
    out: TextIO | None = None,
    ready: Callable[[DevSandbox], None] | None = None,
) -> int:
    """The ``warroom dev`` command: returns the process exit code. ``out``: default stdout."""
    out = out or sys.stdout
    from bot.config.startup import InvalidConfig
    from bot.kernel.runtime import MissingSetting
    from bot.kernel.yamlsource import SourceErrors
    from warroom_sandbox.scenario.model import load_scenario
    from warroom_sandbox.scenario.runner import ScenarioRun

    workspace_file = options.workspace_file or workspace_file_for(options.database_url)
    if reset and not reset_files(options.database_url, workspace_file, out):
        return 2
    scenario = None
    if scenario_file is not None:
        try:
            scenario = load_scenario(scenario_file)
        except (OSError, SourceErrors) as error:
            print(f"warroom dev: {error}", file=out)
            return 2
    warning = mismatch_warning(options.database_url, workspace_file)
    sandbox = DevSandbox(options)
    stop = threading.Event()
    restore_sigterm = _on_sigterm(stop)
    try:
        try:
            sandbox.start()
        except OSError as error:
            print(
                f"warroom dev: cannot listen on {options.host}:{options.port}: {error} "
                "(another port: --port 3001)",
                file=out,
            )
            return 2
        except (MissingSetting, InvalidConfig) as error:
            print(f"warroom dev: the bot did not start: {error}", file=out)
            return 1
        except Exception as error:  # the bot's own bug: show it whole, it is what to fix
            print(f"warroom dev: the bot did not start: {error!r}", file=out)
            traceback.print_exc(file=out)
            return 1
        print(f"warroom sandbox: {sandbox.url}", file=out)
        print(
            "Open it, then type `/incident declare Checkout is slow sev2` in #general "
            "(or just `/incident`). Ctrl-C stops.",
            file=out,
        )
        print(
            f"The web app: {sandbox.url}/incidents (Sign in with Slack picks one of the "
            "sandbox's people).",
            file=out,
        )
        if warning:
            print(f"note: {warning}", file=out)
            sandbox.add_line(Line("warn", Markup("{}").format(warning)))
        if scenario is not None:
            run_ = ScenarioRun(scenario, sandbox, out=out)
            sandbox.scenario = run_
            run_.start_when_watched(sandbox.wait_for_page)
            print(
                f'Scenario "{scenario.name}" ({len(scenario.steps)} steps) starts when the page '
                "is opened.",
                file=out,
            )
        out.flush()
        if ready is not None:
            ready(sandbox)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", file=out)
        sandbox.stop()
        restore_sigterm()
    print("stopped.", file=out)
    return 0


def _on_sigterm(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM (``docker stop``, ``kill``) stops as cleanly as Ctrl-C; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    signal.signal(signal.SIGTERM, handler)
    return restore

"""HTTP for ``warroom dev``: everything a browser needs, and the bot, on one port.

:class:`SandboxRouter` sends each request where it belongs:

- ``/api/<method>`` and ``/response/<token>``: the Slack Web API emulator (the bot's
  ``SLACK_API_URL`` points here);
- ``/`` and ``/sandbox/...``: the page (below);
- anything else: the bot (:class:`BotSlot`), so ``/slack/events``, ``/healthz``, ``/readyz`` and
  ``/metrics`` are the bot's own. While the bot is stopped the slot answers 503.

The page's API:

- ``GET /`` the page (regions rendered for ``?as=<user>&channel=<id>``);
- ``GET /sandbox/state?as=&channel=`` every region as JSON, with an ``ETag``: the page polls it and
  gets ``304`` while nothing changed;
- ``POST /sandbox/actions/<name>`` with a JSON body: ``line`` (the composer), ``click``,
  ``submit``, ``close_modal``, ``back``, ``react``, ``unreact``, ``shortcut``, ``join``,
  ``open_dm``, ``dismiss``, ``dismiss_errors``, ``bot`` (stop/start), ``beat`` (a heartbeat
  monitor); answers
  :meth:`Result.to_json`;
- ``/sandbox/static/...`` the script and the style sheet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom_sandbox.model import User
from warroom_sandbox.seed import ONCALL
from warroom_sandbox.web.actions import Actions, Result
from warroom_sandbox.web.emoji import REACTION_CHOICES, emoji_char
from warroom_sandbox.web.page import PageContext, render

STATIC = Path(__file__).parent / "static"
EMULATOR_PREFIXES = ("/api/", "/response/", "/openid/")
PAGE_PREFIXES = ("/sandbox/",)
PAGE_PATHS = ("/", "/favicon.ico")


class BotSlot:
    """Where the bot's ASGI app is plugged in; 503 while it is out (stopped or starting)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    def attach(self, app: ASGIApp) -> None:
        self.app = app

    def detach(self) -> None:
        self.app = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is None:
            response = PlainTextResponse("warroom is not running", status_code=503)
            await response(scope, receive, send)
            return
        await app(scope, receive, send)


class SandboxRouter:
    """One ASGI app for the port: the emulator, the page, and the bot behind them."""

    def __init__(self, emulator: ASGIApp, page: ASGIApp, bot: ASGIApp) -> None:
        self.emulator = emulator
        self.page = page
        self.bot = bot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.page(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(EMULATOR_PREFIXES):
            await self.emulator(scope, receive, send)
        elif path in PAGE_PATHS or path.startswith(PAGE_PREFIXES):
            await self.page(scope, receive, send)
        else:
            await self.bot(scope, receive, send)


# --- action bodies ------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    user: str = Field(alias="as")


class LineBody(_Body):
    channel: str
    text: str


class ClickBody(_Body):
    action_id: str
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None
    block_id: str | None = None
    value: Any = None
    values: dict[str, dict[str, Any]] | None = None


class SubmitBody(_Body):
    view_id: str
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)


class ModalBody(_Body):
    view_id: str | None = None


class ReactBody(_Body):
    channel: str
    ts: str
    name: str


class ShortcutBody(_Body):
    channel: str
    ts: str
    callback_id: str


class ChannelBody(_Body):
    channel: str


class DismissBody(_Body):
    ts: str | None = None
    notice_id: int | None = None


class ErrorsBody(BaseModel):
    at: float


class BotBody(BaseModel):
    run: bool


class BeatBody(BaseModel):
    monitor: str


def _act(actions: Actions, name: str, body: Any) -> Result:
    """Run the page action ``name``; ``ValidationError`` for a malformed body."""
    if name == "line":
        line = LineBody.model_validate(body)
        return actions.type_line(line.user, line.channel, line.text)
    if name == "click":
        click = ClickBody.model_validate(body)
        return actions.click(
            click.user,
            click.action_id,
            channel=click.channel,
            ts=click.ts,
            view_id=click.view_id,
            block_id=click.block_id,
            value=click.value,
            values=click.values,
        )
    if name == "submit":
        submit = SubmitBody.model_validate(body)
        return actions.submit(submit.user, submit.view_id, submit.values)
    if name in ("close_modal", "back"):
        modal = ModalBody.model_validate(body)
        if name == "back" and modal.view_id:
            return actions.back(modal.user, modal.view_id)
        return actions.close_modal(modal.user, modal.view_id)
    if name in ("react", "unreact"):
        react = ReactBody.model_validate(body)
        act = actions.react if name == "react" else actions.unreact
        return act(react.user, react.channel, react.ts, react.name)
    if name == "shortcut":
        shortcut = ShortcutBody.model_validate(body)
        return actions.shortcut(shortcut.user, shortcut.channel, shortcut.ts, shortcut.callback_id)
    if name == "join":
        join = ChannelBody.model_validate(body)
        return actions.join(join.user, join.channel)
    if name == "open_dm":
        return actions.open_app_dm(_Body.model_validate(body).user)
    if name == "dismiss":
        dismiss = DismissBody.model_validate(body)
        return actions.dismiss(dismiss.user, ts=dismiss.ts, notice_id=dismiss.notice_id)
    raise LookupError(name)


# --- the page app -------------------------------------------------------------------------------


def create_page_app(
    ctx: PageContext, actions: Actions, *, on_view: Callable[[], None] | None = None
) -> Starlette:
    """The page, its state endpoint, its actions and its static files.

    ``on_view`` is called whenever the page is loaded or polled (a scenario waits for it).
    """
    templates = Environment(
        loader=PackageLoader("warroom_sandbox.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    page_template = templates.get_template("page.html")

    def people() -> list[User]:
        """The people one can be (read each time: the sandbox adds some at start)."""
        return [u for u in ctx.ws.all_users() if not u.is_bot and not u.deleted]

    def viewer_of(request: Request) -> str:
        wanted = request.query_params.get("as") or ONCALL
        return wanted if wanted in {u.id for u in people()} else ONCALL

    def viewed() -> None:
        if on_view is not None:
            on_view()

    async def index(request: Request) -> Response:
        viewed()
        viewer = viewer_of(request)
        rendered = await run_in_threadpool(render, ctx, viewer, request.query_params.get("channel"))
        boot = {
            "as": rendered.viewer,
            "channel": rendered.channel,
            "composer": rendered.composer,
            "commands": [
                {"command": c.command, "hint": c.usage_hint, "description": c.description}
                for c in ctx.manifest.commands
            ],
            "reactions": [{"name": n, "char": emoji_char(n) or n} for n in REACTION_CHOICES],
        }
        html = page_template.render(
            rendered=rendered,
            people=people(),
            team=ctx.ws.team,
            boot=json.dumps(boot).replace("</", "<\\/"),
        )
        return HTMLResponse(html)

    async def state(request: Request) -> Response:
        viewed()
        viewer = viewer_of(request)

        def build() -> dict[str, Any]:
            ctx.link.probe()
            return render(ctx, viewer, request.query_params.get("channel")).to_json()

        body = json.dumps(await run_in_threadpool(build), sort_keys=True).encode()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    async def act(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"ok": False, "message": "the body must be JSON"}, 400)
        try:
            result = await run_in_threadpool(_dispatch, name, body)
        except ValidationError as error:
            return JSONResponse({"ok": False, "message": _first_error(error)}, 400)
        except LookupError:
            return JSONResponse({"ok": False, "message": f"no action {name!r}"}, 404)
        return JSONResponse(result.to_json())

    def _dispatch(name: str, body: Any) -> Result:
        if name == "dismiss_errors":
            ctx.desk.dismiss_problems(ErrorsBody.model_validate(body).at)
            return Result(True)
        if name == "bot":
            return _bot(BotBody.model_validate(body).run)
        if name == "beat":
            if ctx.bot is None:
                return Result(False, "This sandbox does not run the bot itself.")
            return ctx.bot.beat(BeatBody.model_validate(body).monitor)
        if isinstance(body, dict) and body.get("as") not in {u.id for u in people()}:
            return Result(False, "Pick one of the seeded people with the switcher.")
        return _act(actions, name, body)

    def _bot(run: bool) -> Result:
        if ctx.bot is None:
            return Result(False, "This sandbox does not run the bot itself.")
        try:
            if run:
                ctx.bot.start_bot()
            else:
                ctx.bot.stop_bot()
        except Exception as error:  # shown on the page: a failed start must not kill the sandbox
            return Result(False, f"Could not start warroom: {error}")
        return Result(True)

    async def favicon(_: Request) -> Response:
        return Response(status_code=204)

    handlers: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
        ("/", index, ["GET"]),
        ("/favicon.ico", favicon, ["GET"]),
        ("/sandbox/state", state, ["GET"]),
        ("/sandbox/actions/{name}", act, ["POST"]),
    ]
    return Starlette(
        routes=[
            *(Route(path, handler, methods=methods) for path, handler, methods in handlers),
            Mount("/sandbox/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
    )


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])

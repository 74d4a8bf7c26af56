"""``POST /slack/events``: size, signature, parse, record, then the listener; every answer 2xx-4xx.

In order, each step cheap before the next:

1. the body is read with a limit (413 past ``MAX_SLACK_BODY``, before it is all in memory);
2. the signature is checked (401 for anything unsigned, however malformed its headers);
3. the body is parsed into a typed request (``bot.kernel.slack.payloads``; 400 naming what is
wrong);
4. a request that changes something is stored in the inbox with its recovery timer
   (``bot.kernel.slack.inbox``) before anything else happens. A replay (same trigger id or event id)
   is answered 200 and not run again. If the database cannot store it within a short budget,
   the person is told in the answer itself: an ephemeral message for a command, the same
   through ``response_url`` for a click, an error under the form's first field for a modal
   (its typed text stays), 503 for an event so Slack sends it again;
5. Bolt dispatches the typed request to its listener on a worker thread, and the HTTP answer is
   whatever the listener passes to ``ack()``, sent the moment it calls it; the listener goes on
   with its work afterwards. An event is answered as soon as it is stored. A listener that has
   not acked by ``ACK_DEADLINE_SECONDS`` gets an empty 200 sent for it, and its answer, when it
   comes, goes through the request's ``response_url`` instead (``_Handoff``), so a read answered
   in the ack (``/incident status``) is never lost to a slow database.

A listener that raises is logged once; the answer is never a 5xx: the person is told what
happened, and a stored request is tried again by its recovery timer. A refusal (data warroom did
not write, or Slack's own final answer such as ``channel_not_found``) is said, logged as one
line and not retried. In Socket Mode (``receive_socket``) the same steps run from step 3.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context.ack import Ack
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.kernel.slack import payloads as p
from bot.kernel.slack.inbox import RECOVER, AlreadyApplied, Entry, Inbox
from bot.kernel.slack.inbox_store import PENDING
from bot.kernel.slack.pooled import PooledWebhookClient
from bot.kernel.slack.signature import is_signed
from bot.kernel.timers.outcomes import Done, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.kernel.web.bodies import BodyCutOff, BodyTooLarge, read_limited

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
MAX_SLACK_BODY = 1_000_000  # Slack's payloads are a few KB; a larger body is not from Slack
ACK_DEADLINE_SECONDS = 2.5  # Slack gives up at 3 s; a slower listener gets an empty 200
COULD_NOT_RECORD = (
    ":warning: warroom could not record this: its database is unavailable. "
    "Nothing was changed; try again."
)
FAILED_LATER = (
    ":warning: warroom recorded this but hit an error applying it; it will try again shortly."
)
_FAILURE = "warroom_failure"  # where the error handler leaves a listener's exception
# Listeners doing their work after the ack at once: their thread waits for a turn after sending
# the ack. A burst of requests is acked at once (each gets a thread: ``LISTENER_THREADS``) while
# the work after the acks, which queues for the database anyway, goes a few at a time.
AFTER_ACK_TURNS = 8
GAVE_UP = ":x: warroom could not apply this after several attempts ({error}). Please try again."
FAILED_NOW = ":warning: warroom hit an error handling this ({error}). Nothing was changed."


@dataclass(frozen=True)
class Durability:
    """Which requests change something, and so are stored before their 200.

    ``commands`` maps a slash command to a test of its text; a command missing there is stored.
    ``read_only_actions`` are buttons (by action id) and shortcuts (by callback id) that only
    open or update a modal.
    """

    commands: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    read_only_actions: frozenset[str] = frozenset()

    def changes_state(self, request: p.SlackRequest) -> bool:
        if isinstance(request, p.SlashCommand):
            test = self.commands.get(request.command)
            return test is None or test(request.text)
        if isinstance(request, p.BlockActions):
            return request.action.action_id not in self.read_only_actions
        if isinstance(request, p.MessageShortcut | p.GlobalShortcut):
            return request.callback_id not in self.read_only_actions
        return not isinstance(request, p.ViewClosed | p.BlockSuggestion | p.UrlVerification)


def dedupe_key(request: p.SlackRequest, signature: str) -> str:
    """What makes a replayed request the same request (Slack's own ids where it has them)."""
    if isinstance(request, p.EventCallback):
        return f"event:{request.event_id}"
    trigger = getattr(request, "trigger_id", None)
    return f"trigger:{trigger}" if trigger else f"signature:{signature[:200]}"


class _SignallingAck(Ack):
    """Bolt's ``ack`` that hands its response to the edge the moment the listener calls it,
    then waits for a turn to do the listener's work after its ack (``after_ack``)."""

    def __init__(
        self, on_ack: Callable[[BoltResponse], None], after_ack: threading.Semaphore
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._on_ack = on_ack
        self._after_ack = after_ack
        self.called = False  # Bolt sets ``response`` itself when a listener fails: not an ack
        self.holds_turn = False

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self.called = True
        self._on_ack(response)
        if not self.holds_turn:
            self._after_ack.acquire()
            self.holds_turn = True
        return response


class _Respond(Respond):
    """Bolt's ``respond``, which says nothing (rather than raising) where Slack gave no
    ``response_url`` (a click inside a modal): there is nowhere to answer. It posts over the
    process's kept-alive connections."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.response_url is None:
            log.info("no response_url to answer on; the answer is dropped")
            return None
        text = args[0] if args else kwargs.pop("text", "")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(text, *args[1:], **kwargs)
        return PooledWebhookClient(self.response_url, ssl=self.ssl).send_dict(message)


class _Handoff:
    """Where a listener's answer goes: the HTTP answer until the deadline; after it (Slack got
    an empty 200), the first answer with something to say goes through ``response_url``."""

    def __init__(self, parsed: p.SlackRequest, deliver: Callable[[BoltResponse], None]) -> None:
        self._parsed = parsed
        self._deliver = deliver
        self._lock = threading.Lock()
        self._delivered = self._expired = self._late_sent = False

    def __call__(self, answer: BoltResponse) -> None:
        with self._lock:
            late = self._expired and not self._delivered
            if late:
                if self._late_sent or not answer.body:
                    return
                self._late_sent = True
            self._delivered = self._delivered or not late
        if late:
            _answer_late(self._parsed, answer)
        else:
            self._deliver(answer)

    def expire(self) -> bool:
        """At the deadline: whether nothing was delivered (the caller sends an empty 200);
        ``False`` when an answer is on its way."""
        with self._lock:
            self._expired = not self._delivered
            return self._expired


class SlackEdge:
    def __init__(
        self,
        bolt: App,
        inbox: Inbox,
        durability: Durability,
        signing_secret: str,
        workers: Executor,
        response_hosts: frozenset[str],
        after_ack: int = AFTER_ACK_TURNS,
    ) -> None:
        """``response_hosts``: where a ``response_url`` may point (Slack's, or the fake's).

        ``workers`` runs the listeners; at most ``after_ack`` of them do their work after the
        ack at once, and the others wait for a turn without holding a database connection.
        """
        self._bolt = bolt
        self._response_hosts = response_hosts
        self._inbox = inbox
        self._durability = durability
        self._secret = signing_secret.encode()
        self._workers = workers
        self._after_ack = threading.Semaphore(after_ack)
        bolt.error(_on_listener_error)

    @property
    def inbox(self) -> Inbox:
        return self._inbox

    async def receive(self, request: Request) -> Response:
        try:
            body = await read_limited(request, MAX_SLACK_BODY)
        except BodyTooLarge as error:
            return PlainTextResponse(str(error), status_code=413)
        except BodyCutOff as error:
            return PlainTextResponse(str(error), status_code=400)
        if not is_signed(self._secret, request.headers, body, time.time()):
            return PlainTextResponse("invalid or missing Slack signature", status_code=401)
        content_type = request.headers.get("content-type", "")[:64]
        try:
            parsed = p.parse_request(content_type, body)
        except p.MalformedRequest as error:
            log.warning("malformed Slack request: %s", error)
            return PlainTextResponse(f"malformed Slack request: {error}", status_code=400)
        if isinstance(parsed, p.UrlVerification):
            return JSONResponse({"challenge": parsed.challenge})
        url = getattr(parsed, "response_url", None)
        if url and urlsplit(url).hostname not in self._response_hosts:
            return PlainTextResponse("response_url is not a Slack URL", status_code=400)
        entry: Entry | None = None
        if self._durability.changes_state(parsed):
            signature = request.headers.get("x-slack-signature", "")
            stored = await run_in_threadpool(self._record, parsed, content_type, body, signature)
            if isinstance(stored, BoltResponse):
                return _to_starlette(stored)
            entry = stored
        loop = asyncio.get_running_loop()
        acked: asyncio.Future[BoltResponse] = loop.create_future()

        def on_ack(answer: BoltResponse) -> None:
            loop.call_soon_threadsafe(_resolve, acked, answer)

        handoff = _Handoff(parsed, on_ack)
        self._start(parsed, entry, handoff)
        if isinstance(parsed, p.EventCallback):
            return Response(status_code=200)
        try:
            answer = await asyncio.wait_for(asyncio.shield(acked), ACK_DEADLINE_SECONDS)
        except TimeoutError:
            if handoff.expire():
                return Response(status_code=200)
            answer = await acked  # delivered as the deadline passed: it is on the loop already
        return _to_starlette(answer)

    def receive_socket(self, envelope_type: str, payload: dict[str, Any]) -> BoltResponse:
        """A Socket Mode envelope (the WebSocket authenticated it): the HTTP path from step 3."""
        content_type, body = _as_http_body(envelope_type, payload)
        try:
            parsed = p.parse_request(content_type, body)
        except p.MalformedRequest as error:
            log.warning("malformed Slack request: %s", error)
            return BoltResponse(status=400, body=f"malformed Slack request: {error}")
        entry: Entry | None = None
        if self._durability.changes_state(parsed):
            stored = self._record(parsed, content_type, body, "")
            if isinstance(stored, BoltResponse):
                return stored
            entry = stored
        answers: queue.Queue[BoltResponse] = queue.Queue()
        handoff = _Handoff(parsed, answers.put)
        self._start(parsed, entry, handoff)
        if isinstance(parsed, p.EventCallback):
            return BoltResponse(status=200, body="")
        try:
            return answers.get(timeout=ACK_DEADLINE_SECONDS)
        except queue.Empty:
            return BoltResponse(status=200, body="") if handoff.expire() else answers.get()

    def _record(
        self, parsed: p.SlackRequest, content_type: str, body: bytes, signature: str
    ) -> Entry | BoltResponse:
        """Store the request: its entry, or the answer already (a replay; could not record)."""
        try:
            stored = self._inbox.record(dedupe_key(parsed, signature), content_type, body.decode())
        except SQLAlchemyError as error:
            log.warning("could not record a Slack request: %s", type(error).__name__)
            if isinstance(parsed, p.EventCallback):  # Slack sends it again
                return BoltResponse(status=503, body=COULD_NOT_RECORD)
            return _tell(parsed, COULD_NOT_RECORD)
        if stored is None:
            return BoltResponse(status=200, body="")  # a replay: done (or doing) already
        return Entry(stored)

    def _start(
        self, parsed: p.SlackRequest, entry: Entry | None, on_ack: Callable[[BoltResponse], None]
    ) -> None:
        """Run the listener on a worker; ``on_ack`` gets its ack, then its final answer."""

        def work() -> None:
            try:
                on_ack(self.dispatch(parsed, entry, on_ack))
            except Exception:  # a bug here, not in a listener: the request stays for recovery
                log.exception("dispatching a Slack request failed")
                on_ack(BoltResponse(status=200, body=""))

        self._workers.submit(work)

    def dispatch(
        self,
        parsed: p.SlackRequest,
        entry: Entry | None,
        on_ack: Callable[[BoltResponse], None],
    ) -> BoltResponse:
        """Run the listener on this thread; the answer for a listener that never acked."""
        ack = _SignallingAck(on_ack, self._after_ack)
        try:
            return self._answer(parsed, entry, ack)
        finally:
            if ack.holds_turn:
                self._after_ack.release()

    def _answer(
        self, parsed: p.SlackRequest, entry: Entry | None, ack: _SignallingAck
    ) -> BoltResponse:
        response, failure = self._run(parsed, entry, ack)
        if failure is None:
            return response
        if isinstance(failure, SlackApiError):
            text = f":warning: Slack refused this: {failure.response.get('error')}"
        elif _is_refusal(failure):
            text = f":warning: {failure}"
        else:
            failed = FAILED_LATER if entry else FAILED_NOW
            text = failed.format(error=type(failure).__name__)
        if not ack.called:
            return _tell(parsed, text)
        url = getattr(parsed, "response_url", None)
        if url:  # the answer went out already: say it where the person will see it
            _post_ephemeral(url, text)
        return response

    def _run(
        self, parsed: p.SlackRequest, entry: Entry | None, ack: Ack
    ) -> tuple[BoltResponse, Exception | None]:
        """Dispatch to the listener; its response, and its error if it failed.

        A refusal (the request carried data warroom did not write) is final: the stored request
        is settled like any other. Any other error leaves it to its recovery timer.
        """
        respond = _Respond(response_url=getattr(parsed, "response_url", None))
        context = {"request": parsed, "ack": ack, "respond": respond}
        body = p.as_bolt_body(parsed)
        bolt_request = BoltRequest(body=body, mode="socket_mode", context=context)
        with self._inbox.applying(entry):
            response = self._bolt.dispatch(bolt_request)
        failure = bolt_request.context.get(_FAILURE)
        if isinstance(failure, AlreadyApplied):
            return BoltResponse(status=200, body=""), None
        if entry is not None and (failure is None or _is_refusal(failure)):
            self._inbox.settle(entry)
        return response, failure

    # -- recovery ----------------------------------------------------------------------------

    def handlers(self) -> dict[str, Callable[[ClaimedTimer], Outcome]]:
        return {RECOVER: self.recover}

    def recover(self, timer: ClaimedTimer) -> Outcome:
        """Apply a stored request whose first attempt never finished (a crash, an error)."""
        stored = self._inbox.load(int(timer.payload["id"]))
        if stored is None or stored.status != PENDING:
            return Done()
        parsed = p.parse_request(stored.content_type, stored.body.encode())
        entry = Entry(stored.id, recovering=True)
        _, failure = self._run(parsed, entry, Ack())  # type: ignore[no-untyped-call]
        if failure is not None and not _is_refusal(failure):
            name = type(failure).__name__
            raise RuntimeError(f"applying Slack request {stored.id} failed: {name}")
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        if failure.timer.kind != RECOVER:
            return
        inbox_id = int(failure.timer.payload["id"])
        self._inbox.give_up(inbox_id)
        stored = self._inbox.load(inbox_id)
        if stored is None:
            return
        parsed = p.parse_request(stored.content_type, stored.body.encode())
        url = getattr(parsed, "response_url", None)
        if url:
            _post_ephemeral(url, GAVE_UP.format(error=failure.error[:200]))


def _on_listener_error(error: Exception, context: Any) -> None:
    context[_FAILURE] = error
    if isinstance(error, AlreadyApplied):
        log.info("%s", error)  # a replay that lost the race: its effect is already there
    elif _is_refusal(error):
        log.warning("refused a Slack request: %s", error)
    else:
        log.error("a Slack listener failed", exc_info=error)


def _is_refusal(error: Exception) -> bool:
    """Said to the person and never retried: data in the request that warroom did not write,
    or Slack's own final answer (``channel_not_found``, an expired trigger...); Slack's 5xx and
    unreachable Slack are failures, tried again."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 500)
        return isinstance(status, int) and status < 500
    return isinstance(error, p.MalformedRequest | p.BadMetadata)


def _resolve(future: asyncio.Future[BoltResponse], response: BoltResponse) -> None:
    if not future.done():
        future.set_result(response)


def _to_starlette(answer: BoltResponse) -> Response:
    headers = dict(answer.first_headers_without_set_cookie())
    headers.pop("content-length", None)
    return Response(content=answer.body, status_code=answer.status, headers=headers)


def _tell(parsed: p.SlackRequest, text: str) -> BoltResponse:
    """An answer that says ``text`` to the person, in the way this kind of request allows."""
    if isinstance(parsed, p.SlashCommand):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    if isinstance(parsed, p.ViewSubmission):
        block = parsed.view.first_block()
        if block is None:
            return BoltResponse(status=200, body="")  # a form without fields: nowhere to say it
        errors = {block: text[:150]}
        return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    url = getattr(parsed, "response_url", None)
    if url:
        _post_ephemeral(url, text)
    return BoltResponse(status=200, body="")


def _as_http_body(envelope_type: str, payload: dict[str, Any]) -> tuple[str, bytes]:
    """A Socket Mode payload as the HTTP body Slack would have sent (and the inbox stores)."""
    if envelope_type == "slash_commands":
        return FORM, urlencode({k: str(v) for k, v in payload.items()}).encode()
    if envelope_type == "interactive":
        return FORM, urlencode({"payload": json.dumps(payload)}).encode()
    return "application/json", json.dumps(payload).encode()


def _answer_late(parsed: p.SlackRequest, answer: BoltResponse) -> None:
    """An answer that missed the deadline, said through ``response_url`` where there is one."""
    url = getattr(parsed, "response_url", None)
    if not url:
        log.warning("an answer came after Slack's deadline and there is no response_url for it")
        return
    try:
        message = json.loads(answer.body)
    except ValueError:
        message = {"text": answer.body}
    if not isinstance(message, dict):
        message = {"text": str(message)}
    message.setdefault("response_type", "ephemeral")
    _send(url, message)


def _post_ephemeral(url: str, text: str) -> None:
    _send(url, {"text": text, "response_type": "ephemeral", "replace_original": False})


def _send(url: str, message: dict[str, Any]) -> None:
    try:
        PooledWebhookClient(url, timeout=2).send_dict(message)
    except Exception as error:  # the person cannot be told; the log says so
        log.warning("could not answer through response_url: %s", error)

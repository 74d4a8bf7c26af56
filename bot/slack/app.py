"""The Bolt app: request verification, event-retry de-duplication, and every listener."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.slack import commands, interactions, oncall, timeline_capture
from bot.slack.context import SlackContext
from bot.storage.models import SlackEventSeen

# Each listener keeps its thread through its post-ack work (Slack calls, database), and a request
# cannot even be acked without a free thread: Bolt's default of 5 caps throughput.
LISTENER_THREADS = 48


def listener_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt")


class CountingWebClient(WebClient):
    """A ``WebClient`` that reports every call that still failed after its retries."""

    def __init__(self, on_error: Callable[[str, str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_error = on_error

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            self._on_error(api_method, str(error.response.get("error") or "unknown"))
            raise
        except OSError as error:  # connection refused, timeouts: Slack unreachable
            self._on_error(api_method, type(error).__name__)
            raise


def make_client(
    token: str,
    base_url: str,
    on_error: Callable[[str, str], None] = lambda method, error: None,
    timeout: int = 15,
) -> WebClient:
    """A client that waits out 429 ``Retry-After`` and retries 5xx and dropped connections."""
    return CountingWebClient(
        on_error,
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    *,
    client: WebClient,
    signing_secret: str,
    ctx: SlackContext,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    listeners: ThreadPoolExecutor,
) -> App:
    """``listeners`` runs the listeners; its owner shuts it down when the app stops."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        listener_executor=listeners,
    )
    app.middleware(_dedupe_event_retries(sessions, clock))
    commands.register(app, ctx)
    interactions.register(app, ctx)
    timeline_capture.register(app, ctx)
    oncall.register(app, ctx)
    return app


def _dedupe_event_retries(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> Any:
    """Slack re-sends an event it thinks we missed; a seen event id is acknowledged and dropped."""

    def dedupe(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with sessions.begin() as session:
                    session.add(SlackEventSeen(event_id=event_id, received_at=clock()))
            except IntegrityError:
                return BoltResponse(status=200, body="")
        return next()

    return dedupe

"""The Bolt app (features register their listeners on it) and the Slack Web API client."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.request import Request

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.kernel.slack.pooled import web_api_response

# Each listener keeps its thread through its post-ack work (Slack calls, database), and a request
# cannot even be acked without a free thread: in a burst, most threads wait for their turn after
# their ack (``bot.kernel.slack.edge.AFTER_ACK_TURNS``), which costs no CPU, so the next requests
# still find one. Threads are started only when none is free; a waiting one still holds its
# request's memory (1,000 declares 10 at a time: 141 MB with 128 threads, 148 MB with 256).
LISTENER_THREADS = 128


def listener_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt")


class CountingWebClient(WebClient):
    """A ``WebClient`` that reports every call that still failed after its retries, and sends
    them over kept-alive connections (``bot.kernel.slack.pooled``)."""

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

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        return web_api_response(req, self.timeout)


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


def build_app(*, client: WebClient, signing_secret: str, listeners: ThreadPoolExecutor) -> App:
    """The listeners run on the edge's worker threads (``bot.kernel.slack.edge``), which verifies,
    parses and records each request first; Bolt only routes it and builds ``ack``/``respond``."""
    return App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        listener_executor=listeners,
        request_verification_enabled=False,
        url_verification_enabled=False,
        ssl_check_enabled=False,
    )

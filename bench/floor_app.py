"""The floor for ``bench.ack_latency``: a bare Bolt app that only acks, served as warroom is.

``python -m bench.floor_app --port P --slack-api-url URL`` runs, in its own process, a
``slack_bolt.App`` (Bolt's defaults: ``process_before_response=False``, its own listener thread
pool) whose ``/incident`` command, every block action and every view submission only call
``ack()``. It sits behind the smallest Starlette endpoint that hands the raw body and headers to
``App.dispatch`` on Starlette's thread pool (as warroom's ``/slack/events`` does: Bolt's own
sync Starlette adapter would block the event loop until each ack), served by ``uvicorn.run``
with the settings ``warroom serve`` uses. So the difference between the two is what warroom does,
not how it is served.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

import uvicorn
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Loopback-only stand-ins, shared with bench.paging and the other benchmarks.
from bench.paging import BOT_TOKEN, SIGNING_SECRET

ANY = re.compile(".*")


def bolt_app(api_url: str) -> App:
    """Bolt with its defaults; every listener only acks."""
    bolt = App(client=WebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SIGNING_SECRET)

    @bolt.command("/incident")
    def incident(ack: Ack) -> None:
        ack()

    @bolt.action(ANY)
    def click(ack: Ack) -> None:
        ack()

    @bolt.view(ANY)
    def submission(ack: Ack) -> None:
        ack()

    return bolt


def asgi_app(bolt: App) -> Starlette:
    async def slack_events(request: Request) -> Response:
        bolt_request = BoltRequest(
            body=(await request.body()).decode(), headers=dict(request.headers)
        )
        result = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(result.body, result.status, result.first_headers_without_set_cookie())

    return Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor_app", description="A bare Bolt app that only acks."
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", required=True, help="the fake Slack's /api/ URL")
    args = parser.parse_args(argv)
    # uvicorn.run's defaults, as `warroom serve` calls it; warnings only, like the bench's serve.
    uvicorn.run(
        asgi_app(bolt_app(args.slack_api_url)),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``warroom``: serve the bot, migrate the database, print the version."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import bot


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handler = {"serve": _serve, "migrate": _migrate, "version": _version}[args.command]
    return handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warroom", description="Incident-response ChatOps bot for Slack."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the bot (Slack Request URL at /slack/events)")
    serve.add_argument("--host", help="interface to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default: $PORT, else 3000)")
    sub.add_parser("migrate", help="upgrade the database schema to the latest version")
    sub.add_parser("version", help="print the version")
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.composition import MissingSetting, build
    from bot.settings import Settings

    settings = Settings()
    _configure_logging(settings.log_level)
    try:
        warroom = build(settings)
    except MissingSetting as error:
        print(f"warroom: {error}", file=sys.stderr)
        return 2
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(warroom.bolt, settings.slack_app_token.get_secret_value())
        handler.connect()  # type: ignore[no-untyped-call]
    uvicorn.run(
        warroom.asgi,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
    )
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from bot.settings import Settings
    from bot.storage.db import make_engine
    from bot.storage.migrate import current_revision, upgrade_to_head

    engine = make_engine(Settings().database_url)
    upgrade_to_head(engine)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _version(_: argparse.Namespace) -> int:
    print(f"warroom {bot.__version__}")
    return 0


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler reports every wake-up of the timer runner at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))

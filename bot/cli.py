"""``warroom``: serve the bot, try it in the sandbox, print reports, migrate the database, print
the version."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bot

if TYPE_CHECKING:
    from bot.kernel.settings import Settings

# mallopt's parameter numbers (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_PR_SET_PDEATHSIG = 1  # prctl(2)
# An idle keep-alive connection is closed after this long. Longer than clients keep theirs idle
# (Go, so Alertmanager and Grafana: 90 s; httpx: 5 s, uvicorn's own default): a server that
# closes first races the client's next request on that connection, which then fails unanswered.
KEEP_ALIVE_SECONDS = 120


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handler = {
        "serve": _serve,
        "dev": _dev,
        "config": _config,
        "playbooks": _playbooks,
        "postmortem": _postmortem,
        "report": _report,
        "migrate": _migrate,
        "version": _version,
    }[args.command]
    return handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warroom", description="Incident-response ChatOps bot for Slack."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the bot (Slack Request URL at /slack/events)")
    serve.add_argument("--host", help="interface to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default: $PORT, else 3000)")
    serve.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port, each with its own timer runner "
        "(default: $WEB_CONCURRENCY, else the number of cores)",
    )
    dev = sub.add_parser(
        "dev",
        help="run the bot against the built-in Slack sandbox, in a browser (no credentials)",
        description="Run the bot, a local Slack emulator and a browser page on one port.",
    )
    dev.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    dev.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    dev.add_argument(
        "--database",
        default="sqlite:///warroom-dev.db",
        help="database URL (default sqlite:///warroom-dev.db in the working folder)",
    )
    dev.add_argument("--scenario", type=Path, help="replay a scripted incident (a YAML file)")
    dev.add_argument(
        "--reset",
        action="store_true",
        help="start over: delete the sandbox's SQLite database and saved Slack workspace",
    )
    config = sub.add_parser("config", help="work with the config folder (users, schedules, ...)")
    config_actions = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    check = config_actions.add_parser(
        "check", help="validate the config folder: every error with file, line, field and a hint"
    )
    check.add_argument(
        "--dir", type=Path, help="the config folder (default: $CONFIG_DIR or ./config)"
    )
    playbooks = sub.add_parser("playbooks", help="work with the playbook files")
    playbooks_actions = playbooks.add_subparsers(
        dest="playbooks_action", metavar="ACTION", required=True
    )
    playbooks_check = playbooks_actions.add_parser(
        "check", help="validate every playbook: each error with file, line, field and a hint"
    )
    playbooks_check.add_argument(
        "--dir",
        type=Path,
        action="append",
        help="a playbook folder; repeat for several, later ones override (default: "
        "$PLAYBOOKS_DIR or ./playbooks, then $EXTRA_PLAYBOOKS_DIR)",
    )
    from bot.postmortems.cli import add_parser as add_postmortem_parser

    add_postmortem_parser(sub)
    from bot.insights.cli import add_parser as add_report_parser

    add_report_parser(sub)
    sub.add_parser("migrate", help="upgrade the database schema to the latest version")
    sub.add_parser("version", help="print the version")
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.config.startup import InvalidConfig
    from bot.kernel.runtime import MissingSetting
    from bot.kernel.settings import Settings

    settings = Settings()
    _configure_logging(settings.log_level)
    _tune_malloc()
    if settings.slack_bot_token is not None and "public_url" not in settings.model_fields_set:
        logging.getLogger("bot.cli").warning(
            "PUBLIC_URL is not set: the links warroom posts in Slack (post-mortem review pages, "
            "calendar feeds) point at %s, which nobody else can open; set PUBLIC_URL to the "
            "address people reach this server at",
            settings.public_url,
        )
    workers = _workers(args.workers)
    if workers < 1:
        print("warroom: --workers must be 1 or more", file=sys.stderr)
        return 2
    host, port = args.host or settings.host, args.port or settings.port
    log_level = settings.log_level.lower()
    try:
        if workers == 1:
            uvicorn.run(
                _app(settings),
                host=host,
                port=port,
                log_level=log_level,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
            )
            return 0
        _prepare(settings)
    except (MissingSetting, InvalidConfig) as error:
        print(f"warroom: {error}", file=sys.stderr)
        return 2
    # Each worker imports the app afresh (uvicorn spawns them) and builds it from the same
    # environment; the database was migrated here, once, before any of them started.
    uvicorn.run(
        "bot.cli:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return 0


def _workers(asked: int | None) -> int:
    if asked is not None:
        return asked
    from_env = os.environ.get("WEB_CONCURRENCY", "").strip()
    if from_env.isdigit():
        return int(from_env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _prepare(settings: Any) -> None:
    """Before the workers start: refuse what every one of them would refuse (missing Slack
    credentials, an invalid config folder) and bring the database to the current schema."""
    from bot.config.credentials import credential_lookup
    from bot.config.startup import load_startup_config
    from bot.kernel.runtime import slack_credentials
    from bot.kernel.storage.db import make_engine
    from bot.kernel.storage.migrate import upgrade_to_head

    slack_credentials(settings)
    load_startup_config(settings.config_dir, credential_lookup(settings))
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()


def worker_app() -> Any:
    """One worker of ``warroom serve --workers N`` (uvicorn's app factory)."""
    from bot.kernel.settings import Settings

    settings = Settings()
    _configure_logging(settings.log_level)
    _tune_malloc()
    _die_with_parent()
    return _app(settings, migrate=False)


def _die_with_parent() -> None:
    """A worker stops when its parent dies, even by kill -9: an orphan would keep serving and
    firing timers beside the replacement started for it."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: uvicorn's supervisor only
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _app(settings: Any, migrate: bool = True) -> Any:
    from bot.composition import build

    warroom = build(settings, migrate=migrate)
    if settings.slack_app_token is not None:
        from bot.kernel.slack.socket_mode import connect

        connect(warroom.edge, settings.slack_app_token.get_secret_value(), warroom.client)
    _freeze_startup_objects()
    return warroom.asgi


def _freeze_startup_objects() -> None:
    """Keep what the start built (modules, mappers, the app: some 160,000 objects) out of the
    garbage collector's full passes. Such a pass walks every tracked object while holding the
    GIL: under load one ran every few hundred requests and stopped every thread for 90-120 ms,
    so each ack in flight waited that long (``bench.ack_latency --scenario modal --loop closed``:
    p99 140-160 ms; with the start's objects frozen the pass takes 8 ms and p99 is 30 ms)."""
    gc.collect()
    gc.freeze()


def _tune_malloc(arenas: int = 2) -> None:
    """Keep the server small under load (``python -m bench.fuzz``: 159 -> 124 MB after 10,000
    requests). glibc gives threads malloc arenas of their own, and memory freed in one is not
    reused by the others; and it keeps freed memory instead of handing it back to the OS."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)  # large blocks go back to the OS when freed
        libc.mallopt(_M_TRIM_THRESHOLD, 256 * 1024)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


# The sandbox is a distribution of its own (sandbox/), which production installs leave out.
_NO_SANDBOX = (
    "warroom dev needs the sandbox (warroom-sandbox), which is not installed here.\n"
    "From the warroom checkout, run: pip install -e '.[dev]'"
)


def _dev(args: argparse.Namespace) -> int:
    try:
        from warroom_sandbox.dev import DevOptions, run
    except ModuleNotFoundError as missing:
        if missing.name not in ("warroom_sandbox", "warroom_sandbox.dev"):
            raise  # the sandbox is there but broken: show where
        print(_NO_SANDBOX, file=sys.stderr)
        return 1

    _configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    options = DevOptions(host=args.host, port=args.port, database_url=args.database)
    return run(options, scenario_file=args.scenario, reset=args.reset)


def _config(args: argparse.Namespace) -> int:
    """``config check``: print every error and exit 1, or a one-line summary and exit 0."""
    from bot.alerts.routes_file import check_routes
    from bot.announcements.config import check_announcing
    from bot.config import check_config, load_config
    from bot.config.credentials import credential_lookup, missing_credentials
    from bot.heartbeats.config import check_monitors
    from bot.insights.digest_config import check_digest
    from bot.kernel.settings import Settings

    settings = Settings()
    folder: Path = args.dir if args.dir is not None else settings.config_dir
    errors = check_config(folder)
    # Routes name services: check those names only against a config that loads.
    loaded = None if errors else load_config(folder)
    services = None if loaded is None else [service.name for service in loaded.services]
    errors += check_routes(folder, services) + check_monitors(folder, services)
    errors += check_announcing(folder, loaded) + check_digest(folder)
    if errors:
        for error in errors:
            print(error)
        count = len(errors)
        print(f"config {folder}: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    config = load_config(folder)
    print(
        f"config OK: {len(config.users)} users, {len(config.schedules)} schedules, "
        f"{len(config.escalation_policies)} escalation policies, {len(config.services)} services"
    )
    for missing in missing_credentials(config, credential_lookup(settings)):
        print(f"warning: {missing}", file=sys.stderr)
    for warning in _tracker_warnings(settings):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _tracker_warnings(settings: Settings) -> list[str]:
    """The follow-up trackers of postmortems/config.yaml whose credentials are unset."""
    from bot.config.credentials import missing_tracker_credentials
    from bot.kernel.yamlsource import SourceErrors
    from bot.postmortems.config import load_postmortem_config

    try:
        config = load_postmortem_config(settings.postmortem_templates_dir / "config.yaml")
    except SourceErrors:
        return []  # reported by `warroom postmortems check` and at start
    return missing_tracker_credentials(config.tracker_list(), settings)


def _playbooks(args: argparse.Namespace) -> int:
    """``playbooks check``: print every error (and warning) and exit 1, or a summary and exit 0."""
    from bot.kernel.settings import Settings
    from bot.playbooks import PlaybookLibrary

    if args.dir:
        folders: list[Path] = args.dir
    else:
        settings = Settings()
        folders = [settings.playbooks_dir]
        if settings.extra_playbooks_dir is not None:
            folders.append(settings.extra_playbooks_dir)
    missing = [folder for folder in folders if not folder.is_dir()]
    library = PlaybookLibrary.load(*(folder for folder in folders if folder.is_dir()))
    for warning in library.warnings:
        print(f"warning: {warning}")
    errors = [
        f"{folder}: playbooks folder not found (hint: check the path, or set PLAYBOOKS_DIR)"
        for folder in missing
    ] + [str(error) for error in library.all_errors]
    if errors:
        print("\n".join(errors))
        count = len(errors)
        print(f"playbooks: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    names = ", ".join(library.playbooks)
    print(f"OK: {len(library.playbooks)} playbooks ({names})")
    return 0


def _postmortem(args: argparse.Namespace) -> int:
    """``postmortem render``: print the draft, or a clear message and exit 1."""
    from bot.postmortems.cli import run

    return run(args)


def _report(args: argparse.Namespace) -> int:
    """``report``: the insights of a date range, or a clear message and exit 2 (bad arguments)
    or 1 (the database cannot be read)."""
    from bot.insights.cli import run

    return run(args)


def _migrate(_: argparse.Namespace) -> int:
    from bot.kernel.settings import Settings
    from bot.kernel.storage.db import make_engine
    from bot.kernel.storage.migrate import current_revision, upgrade_to_head

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

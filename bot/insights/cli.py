"""``warroom report --since 2026-01-01 [--until ...] [--service X] [--format md|csv|json]``:
the insights in the terminal, for people who live there or want them in a weekly post.

Reads ``DATABASE_URL`` and the config folder (``CONFIG_DIR``, or ``--config``) like the bot does.
A bad argument is named with the usage and exit code 2; a database that cannot be read is said,
with exit code 1; a config folder that does not load leaves the on-call load out, with a warning.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.insights.domain.scope import EARLIEST, LATEST
from bot.insights.sections import SLUGS

FORMATS = ("md", "csv", "json")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report",
        help="print the insights (response times, incident counts, on-call load, alert noise)",
        description="Print the insights of a date range: MTTA, MTTM and MTTR by month, service "
        "and severity, incidents by severity, time to detect, the longest incidents, follow-ups, "
        "on-call load and alert noise, as on the web app's /insights page. Private incidents "
        "are left out.",
    )
    report.add_argument(
        "--since", type=_date, required=True, help="the first day, a UTC date (2026-01-01)"
    )
    report.add_argument(
        "--until", type=_date, help="the last day, a UTC date, included (default: today)"
    )
    report.add_argument("--service", help="only this service's incidents, alerts and on-call")
    report.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md (Markdown, the default), csv (one table after another) or json",
    )
    report.add_argument(
        "--section",
        action="append",
        choices=SLUGS,
        metavar="SECTION",
        help=f"only this part; repeat for several (one of: {', '.join(SLUGS)})",
    )
    report.add_argument(
        "--config", type=Path, help="the config folder (default: $CONFIG_DIR or ./config)"
    )
    report.set_defaults(report_parser=report)  # its usage for errors found after parsing


def run(args: argparse.Namespace) -> int:
    # Imported here: building the parser for any ``warroom`` command stays cheap.
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import load_config
    from bot.insights import report
    from bot.insights.domain.scope import Scope
    from bot.kernel.settings import Settings
    from bot.kernel.storage.db import make_engine, make_session_factory
    from bot.kernel.storage.migrate import is_at_head
    from bot.kernel.suggest import did_you_mean
    from bot.kernel.web.bounded import first_line
    from bot.kernel.yamlsource import SourceErrors

    parser: argparse.ArgumentParser = args.report_parser
    until: date = args.until or datetime.now(UTC).date()
    if args.since > until:
        parser.error(f"--since {args.since} is after --until {until}")
    settings = Settings()
    folder: Path = args.config or settings.config_dir
    try:
        config = load_config(folder)
    except SourceErrors as errors:
        print(
            f"warning: the on-call load is left out: {errors.errors[0]} "
            "(see `warroom config check`)",
            file=sys.stderr,
        )
        config = None
    engine = make_engine(settings.database_url)
    try:
        if not is_at_head(engine):
            print(
                "warroom: the database is not at the current schema; run `warroom migrate`",
                file=sys.stderr,
            )
            return 1
        with make_session_factory(engine)() as session:
            service = (args.service or "").strip()
            if service:
                known = report.services(session, config)
                if service not in known:
                    hint = did_you_mean(service, known)
                    listed = ", ".join(known) or "none yet"
                    parser.error(
                        f"--service {service!r} is not a service{'; ' + hint if hint else ''} "
                        f"(known: {listed})"
                    )
            scope = Scope(args.since, until, service)
            built = report.build(session, scope, config, args.section or ())
    except SQLAlchemyError as error:
        print(f"warroom: cannot read the database: {first_line(error)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    sys.stdout.write(report.render(built, args.format))
    return 0


def _date(text: str) -> date:
    try:
        found = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it like 2026-01-31"
        ) from None
    if not EARLIEST <= found <= LATEST:
        raise argparse.ArgumentTypeError(f"{text!r} is not between {EARLIEST} and {LATEST}")
    return found

"""``warroom postmortem render <incident> [--template T]``: print a draft in the terminal.

Reads ``DATABASE_URL`` and the post-mortem folder (``POSTMORTEM_TEMPLATES_DIR``, or
``--templates``) like the bot does; people are shown by their names from the config folder's
``users.yaml`` when it loads, by their ids otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    postmortem = sub.add_parser("postmortem", help="work with post-mortems")
    actions = postmortem.add_subparsers(dest="postmortem_action", metavar="ACTION", required=True)
    render = actions.add_parser(
        "render", help="print the draft post-mortem of an incident as Markdown"
    )
    render.add_argument("incident", type=_incident_number, help="the incident number, e.g. 42")
    render.add_argument(
        "--template", help="the template to use (default: the choice for its severity/service)"
    )
    render.add_argument(
        "--templates",
        type=Path,
        help="the post-mortem folder (default: $POSTMORTEM_TEMPLATES_DIR or ./postmortems)",
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: building the parser for any ``warroom`` command stays cheap.
    from bot.kernel.settings import Settings
    from bot.kernel.storage.db import make_engine, make_session_factory
    from bot.kernel.yamlsource import SourceErrors
    from bot.postmortems.drafting import DraftingSetup, UnknownIncident, draft
    from bot.postmortems.templates import UnknownTemplate

    settings = Settings()
    folder: Path = args.templates or settings.postmortem_templates_dir
    try:
        setup = DraftingSetup.load(folder)
    except SourceErrors as errors:
        for error in errors.errors:
            print(error, file=sys.stderr)
        print(f"post-mortem folder {folder}: fix the errors above", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        result = draft(
            make_session_factory(engine),
            args.incident,
            setup.templates,
            setup.config,
            setup.rules,
            args.template,
            _names(settings.config_dir),
        )
    except (UnknownIncident, UnknownTemplate) as error:
        print(f"warroom: {error.args[0]}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    sys.stdout.write(result.markdown)
    for finding in result.findings:
        print(
            f"blameless check: [{finding.section}] {finding.sentence!r}: {finding.why} "
            f"(hint: {finding.hint})",
            file=sys.stderr,
        )
    return 0


def _incident_number(text: str) -> int:
    digits = text.removeprefix("#")
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an incident number; write e.g. 42")
    return int(digits)


def _names(config_dir: Path) -> dict[str, str]:
    from bot.config import load_config
    from bot.kernel.yamlsource import SourceErrors
    from bot.postmortems.names import display_names

    try:
        return display_names(load_config(config_dir))
    except SourceErrors as errors:
        print(
            f"warning: people are shown by their ids: {errors.errors[0]} "
            "(see `warroom config check`)",
            file=sys.stderr,
        )
        return {}

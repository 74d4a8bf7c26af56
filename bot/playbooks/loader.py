"""One playbook file: read it, parse its YAML, validate it (``schema``, templates included).

Every problem becomes a ``SourceError`` with the file, the line and the field, so ``warroom
playbooks check``, the startup log and Slack all point at the same place.
"""

from __future__ import annotations

from pathlib import Path

from bot.kernel.yamlsource import SourceError, SourceErrors, field_path, line_at, load_yaml
from bot.playbooks.domain.model import Playbook
from bot.playbooks.schema import parse_playbook

SUFFIXES = (".yaml", ".yml")


def playbook_files(folder: Path) -> list[Path]:
    """The playbook files in ``folder``, by name (``OSError`` if it cannot be listed)."""
    return sorted(path for path in folder.iterdir() if path.suffix in SUFFIXES)


def load_file(path: Path) -> tuple[Playbook | None, list[SourceError]]:
    """The playbook in ``path`` and no errors, or None and every error (never raises)."""
    file = str(path)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"), file)
        parsed = parse_playbook(raw, path.stem, file)
    except SourceErrors as invalid:
        return None, invalid.errors
    except (OSError, UnicodeDecodeError) as error:
        return None, [SourceError(file, None, "", f"cannot read the file: {error}")]
    except RecursionError:
        return None, [
            SourceError(file, None, "", "lists or mappings nest too deeply", "flatten the file")
        ]
    errors = [
        SourceError(file, line_at(raw, p.loc), field_path(p.loc), p.message, p.hint)
        for p in parsed.problems
    ]
    return parsed.playbook, sorted(errors, key=lambda error: error.line or 0)

"""One playbook file: read it, parse its YAML, validate it, check its templates.

Every problem becomes a ``SourceError`` with the file, the line and the field, so ``warroom
playbooks check``, the startup log and Slack all point at the same place.
"""

from __future__ import annotations

from pathlib import Path

from bot.kernel.yamlsource import SourceError, SourceErrors, field_path, line_at, load_yaml
from bot.playbooks.domain.model import Playbook
from bot.playbooks.domain.validation import Parsed, parse_playbook
from bot.playbooks.templating import template_problems

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
        errors = _errors(parsed, raw, file)
    except SourceErrors as invalid:
        return None, invalid.errors
    except (OSError, UnicodeDecodeError) as error:
        return None, [SourceError(file, None, "", f"cannot read the file: {error}")]
    except RecursionError:
        return None, [
            SourceError(file, None, "", "lists or mappings nest too deeply", "flatten the file")
        ]
    return (parsed.playbook if not errors else None), errors


def _errors(parsed: Parsed, raw: object, file: str) -> list[SourceError]:
    errors = [
        SourceError(file, line_at(raw, p.loc), field_path(p.loc), p.message, p.hint)
        for p in parsed.problems
    ]
    for template in parsed.templates:
        errors.extend(
            SourceError(file, line_at(raw, template.loc), field_path(template.loc), message, hint)
            for message, hint in template_problems(template.text, parsed.names_for(template))
        )
    return sorted(errors, key=lambda error: error.line or 0)

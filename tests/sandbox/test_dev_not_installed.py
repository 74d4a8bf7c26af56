"""``warroom dev`` where the sandbox distribution is not installed (a production install)."""

from __future__ import annotations

import subprocess
import sys

# Python refuses to import a name whose sys.modules entry is None: the child behaves as if
# warroom-sandbox were not installed, with everything else as in the test environment.
WITHOUT_SANDBOX = (
    "import sys; sys.modules['warroom_sandbox'] = None; sys.modules['warroom_sandbox.dev'] = None; "
    "from bot.cli import main; sys.exit(main())"
)


def test_warroom_dev_says_how_to_install_the_sandbox() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SANDBOX, "dev", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "pip install -e '.[dev]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_warroom_dev_help_needs_no_sandbox() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SANDBOX, "dev", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "--scenario" in done.stdout

"""Whether the tests run under CI: a missing Chromium or Alertmanager then fails, not skips."""

import os

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

"""Where the Kubernetes API server is and how the bot authenticates to it.

Each part is resolved on its own, settings first, then the in-cluster service account (the
``KUBERNETES_SERVICE_ACCOUNT_DIR`` setting points elsewhere, e.g. for tests):

- URL: ``KUBERNETES_API_URL``; else ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT``.
- Token: ``KUBERNETES_TOKEN``; else the file ``<dir>/token``, read for every request because
  the kubelet rotates projected service-account tokens.
- CA: ``KUBERNETES_CA_FILE``; else ``<dir>/ca.crt`` when it exists; else the system's roots.

Nothing is resolved until a step uses Kubernetes, so a bot without a cluster starts fine; a
step then fails naming the settings to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bot.kernel.settings import Settings
from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.failures import missing_setting

PROVIDER = "Kubernetes"


@dataclass(frozen=True)
class Cluster:
    url: str
    ca_file: Path | None
    token_setting: SecretStr | None
    token_file: Path

    @property
    def token_source(self) -> str:
        """Where the token comes from, for messages."""
        if self.token_setting is not None:
            return "KUBERNETES_TOKEN"
        return f"the service account token ({self.token_file})"

    def token(self) -> str:
        if self.token_setting is not None and self.token_setting.get_secret_value().strip():
            return self.token_setting.get_secret_value().strip()
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            token = ""
        if not token:
            raise missing_setting(
                PROVIDER, "KUBERNETES_TOKEN", "a bearer token allowed to scale Deployments"
            )
        return token


def resolve_cluster(settings: Settings, env: Mapping[str, str]) -> Cluster:
    """The cluster the settings and environment describe; :class:`ActionError` when none."""
    account = settings.kubernetes_service_account_dir
    url = settings.kubernetes_api_url or _in_cluster_url(env)
    if not url:
        raise ActionError(
            "Kubernetes is not configured: set KUBERNETES_API_URL and KUBERNETES_TOKEN, or run "
            "the bot in the cluster with a service account (KUBERNETES_SERVICE_HOST is unset). "
            "Restart the bot, then run the step again.",
            retryable=False,
        )
    ca_file = settings.kubernetes_ca_file
    if ca_file is None and url.startswith("https://") and (account / "ca.crt").is_file():
        ca_file = account / "ca.crt"
    return Cluster(url.rstrip("/"), ca_file, settings.kubernetes_token, account / "token")


def _in_cluster_url(env: Mapping[str, str]) -> str:
    host = env.get("KUBERNETES_SERVICE_HOST", "").strip()
    if not host:
        return ""
    port = env.get("KUBERNETES_SERVICE_PORT", "").strip() or "443"
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"

"""Automated playbook actions over HTTP (httpx): feature flags, Kubernetes scaling, plain requests.

Each action first *plans* (reads the current state and says exactly what it would do), then *runs*
the plan, and returns how to undo what it changed. See ``base`` for the contract.

Map (each module's docstring states its contract):

- ``registry``   :class:`Actions`: every action by name, built from the settings.
- ``flags``      ``feature_flag.disable`` / ``.enable`` and the :class:`FlagProvider` base;
  ``launchdarkly``, ``unleash``, ``flagsmith``, ``flag_http``: one module per provider.
- ``kubernetes`` ``kubernetes.scale``; ``replicas`` its count expressions; ``cluster`` where the
  API server is and which token and CA to use.
- ``http_request`` ``http.request``.
- ``http``       sending with timeouts, retries, ``Retry-After`` and redaction of secrets;
  ``failures`` wording provider errors; ``params`` reading rendered parameters.
"""

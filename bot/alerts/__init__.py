"""Alerts: Alertmanager, Grafana and generic webhooks become incidents, notices or pages.

- ``domain/``: the pure alert model, routing and grouping.
- ``intake/``: parsing (``parse.parse_body`` into a ``Batch``, or ``Rejected`` naming the field)
  and authentication (bearer token or HMAC) at the edge.
- ``routes_file``/``routes_live``: ``alert_routes.yaml`` with line-numbered errors, kept current.
- ``service``/``apply``: store a payload before answering, then apply it on a durable timer.
- ``slack/``, ``web/``: the Slack messages and the webhook routes; ``feature``: the plug.
"""

"""Inbound alert webhooks at the edge: parsing, authentication and the routing file.

``parse.parse_body`` turns a raw body into a ``bot.alerts.domain.Batch`` (``alertmanager`` for
Alertmanager's webhook version 4 and Grafana's, ``generic`` for warroom's own documented shape),
or raises ``Rejected`` with the HTTP status and a message naming the field. ``auth`` checks a
request's bearer token or HMAC signature. ``routes_file`` loads ``alert_routes.yaml`` with
line-numbered errors; ``live.LiveRouting`` keeps it current.
"""

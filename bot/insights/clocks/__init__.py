"""Time to acknowledge, mitigate and resolve as Prometheus histograms (docs/insights.md,
"Prometheus and Grafana"): observed in the transaction that sets a clock, served from the
database."""

"""The ASGI app: routes, bounded bodies, probes and Prometheus metrics."""

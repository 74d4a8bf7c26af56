"""Automated playbook actions over HTTP (httpx): feature flags, Kubernetes scaling, plain requests.

Each action first *plans* (reads the current state and says exactly what it would do), then *runs*
the plan, and returns how to undo what it changed. See ``base`` for the contract.
"""

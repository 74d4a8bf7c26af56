"""Paging: escalation policies, pages until someone acknowledges, pager providers."""

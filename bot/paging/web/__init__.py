"""Paging's HTTP routes: Twilio's webhooks (text replies, keys pressed, delivery reports)."""

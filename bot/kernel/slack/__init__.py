"""The Slack app and its edge: signed requests recorded before they are answered, the client."""

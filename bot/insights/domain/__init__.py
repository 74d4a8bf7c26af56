"""The web app's pure core: list filters parsed from a query string."""

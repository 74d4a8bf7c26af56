"""The web app's routes: sign-in (``auth``), the incident list and pages (``incidents``)."""

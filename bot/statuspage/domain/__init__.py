"""The status page's pure core: what customers see, computed from customer-facing incidents."""

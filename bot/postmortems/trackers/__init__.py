"""Issue tracker clients that export action items (GitHub Issues; see docs/postmortems.md)."""

"""The pure incident core: lifecycle, timeline, severity, naming, the /incident grammar. No I/O."""

"""Layer 3, snapshot: every record checked for consistency and indexed once (indexes as data)."""

"""Edge: the command line and the demo (JSON file shipped in the package)."""

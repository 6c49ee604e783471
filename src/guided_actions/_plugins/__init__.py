"""Edge: plugin discovery through pluggy and entry points; the built-in rules as a plugin."""

"""Layer 6, workspace: the rest of the sales workspace (tasks, sequences, schedule, feed)."""

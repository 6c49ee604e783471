"""``python -m guided_actions`` runs the command-line program."""

from guided_actions._adapters.cli import main

raise SystemExit(main())

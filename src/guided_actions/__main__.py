"""``python -m guided_actions`` runs the command-line program."""

from ._cli import main

raise SystemExit(main())

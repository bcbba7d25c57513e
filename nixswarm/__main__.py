"""`python -m nixswarm` runs the command line."""

from nixswarm.cli.main import main

raise SystemExit(main())

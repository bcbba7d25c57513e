"""The `nixswarm` command line: a thin face on the core."""

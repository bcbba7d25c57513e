"""ssh integration: nixswarm's own ssh config file and the one Include line that loads it."""

"""One scan: the local probe, configured hosts and mDNS adverts, merged into one stream of events."""

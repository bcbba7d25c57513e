"""Build history: every finished derivation, kept in an SQLite database to answer how long things take."""

"""Probing machines for the facts that decide where a derivation can build."""

"""Nix integration: machines files, Nix's own commands and settings."""

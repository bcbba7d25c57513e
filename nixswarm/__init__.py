"""nixswarm: discover, probe, choose and use Nix remote builders on your LAN."""

__version__ = "0.1.0"

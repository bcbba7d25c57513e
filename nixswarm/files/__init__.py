"""The files nixswarm writes and reads: machines file, ssh config, known_hosts, NixOS snippet, and their inputs."""

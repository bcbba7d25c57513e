"""The end-to-end lab: real Nix builders (namespaces, sshd, own stores) on one machine."""

from tests.lab.graph import GraphNode, read_graph_outputs, write_graph
from tests.lab.lab import Builder, BuilderSpec, Lab, LabUnavailable

__all__ = ["Builder", "BuilderSpec", "GraphNode", "Lab", "LabUnavailable", "read_graph_outputs", "write_graph"]

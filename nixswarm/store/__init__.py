"""Where nixswarm keeps its files, and how it writes them."""

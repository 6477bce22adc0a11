"""controller package (being written)."""

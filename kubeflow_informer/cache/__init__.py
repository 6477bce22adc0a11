"""cache package (being written)."""

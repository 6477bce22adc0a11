"""testing package (being written)."""

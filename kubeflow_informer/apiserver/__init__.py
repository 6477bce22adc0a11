"""apiserver package (being written)."""

"""workqueue package (being written)."""

"""client package (being written)."""

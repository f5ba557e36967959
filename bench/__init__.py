"""`make bench`: AWS calls per API operation and the cold-start proxy (see bench/run.py)."""

"""Fast builds: worker processes, persistent caches and selective writing (see plugin.py)."""

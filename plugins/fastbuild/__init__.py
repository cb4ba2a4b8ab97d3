"""Fast builds: worker processes, persistent caches, selective writing (plugin.py)."""

"""The sync flavour: generated from ``terrateam_core/_async/`` by ``scripts/unasync.py``, file for
file, except the hand-written twins ``shell.py`` and ``artifacts_pool.py``."""

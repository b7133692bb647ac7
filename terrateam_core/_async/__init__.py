"""The async flavour, written by hand: the client, its session seam and one module per family.

``scripts/unasync.py`` generates ``terrateam_core/_sync/`` from these modules, file for file.
"""

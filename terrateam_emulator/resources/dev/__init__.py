"""The developer API under ``/_emulator/`` (users, keys, sessions, clock, faults, runs)."""

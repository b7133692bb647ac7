"""Server infrastructure: app factory, settings, state, auth, faults, clock, stats, limits."""

"""terrateam_emulator: a local, faithful Terrateam API server."""

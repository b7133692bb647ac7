"""Emulator backends: state and behaviour per resource family, with no FastAPI imports."""

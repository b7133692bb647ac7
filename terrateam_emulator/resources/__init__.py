"""The API by resource family: each has its tables, a FastAPI-free backend, seed data and
thin routers (``*router.py``). docs/architecture.md has the map."""

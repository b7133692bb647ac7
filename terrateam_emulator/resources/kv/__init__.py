"""The KV store: eight operations, caps, jsonb semantics, ``select`` paths."""

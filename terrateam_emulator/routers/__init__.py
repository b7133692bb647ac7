"""HTTP routers: each parses a request, calls a backend, and renders upstream's answer."""

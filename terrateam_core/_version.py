"""The toolkit's version, shared by every package of the distribution."""

__version__ = "0.1.0"

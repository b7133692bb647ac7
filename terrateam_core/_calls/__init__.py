"""The I/O-free half of every namespace, one module per resource family.

A function here returns a :class:`~terrateam_core._call.Call` (what to send, how to read the
answer) or decides something from answers already read; the namespaces in ``_async/`` (and
their generated ``_sync/`` twins) only send the calls through the session.
"""

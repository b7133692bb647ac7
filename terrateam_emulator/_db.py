"""Database schema of the emulator (SQLAlchemy Core), shared by every backend module.

Read-side tables (repos, pull requests, work manifests, ...) live in `_db_runs.py` on the
same `metadata`.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

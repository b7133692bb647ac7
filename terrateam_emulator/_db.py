"""Database schema of the emulator (SQLAlchemy Core), shared by every backend module.

Read-side tables (repos, pull requests, work manifests, ...) live in `_db_runs.py` on the
same `metadata`. Timestamps are floats (seconds since the epoch, from the emulator clock).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "access_tokens",
    "archived_repos",
    "installations",
    "kv",
    "memberships",
    "metadata",
    "signing_keys",
    "user_sessions",
    "user_vcs_accounts",
    "users",
]

metadata = sa.MetaData()

# Byte-order (C collation) text on PostgreSQL; SQLite's default BINARY collation already is.
_CText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# One row per linked VCS account (upstream `github_users2` / `gitlab_users2`).
user_vcs_accounts = sa.Table(
    "user_vcs_accounts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("avatar_url", sa.Text, nullable=True),
)

installations = sa.Table(
    "installations",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("account_status", sa.Text, nullable=False, server_default="active"),
    sa.Column("tier_name", sa.Text, nullable=False, server_default="Unlimited"),
    # JSON text of `tier.features`, e.g. {"num_users_per_month": 5}
    sa.Column("tier_features", sa.Text, nullable=False, server_default="{}"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("trial_ends_at", sa.Float, nullable=True),
)

# Upstream `github_user_installations2` (and the GitLab twin): the "is a member" half of the
# installation check.
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("installation_id", sa.BigInteger, primary_key=True, autoincrement=False),
)

# API keys (upstream table `access_tokens`); `capabilities` is the stored JSON array text.
access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("name", _CText, nullable=False),
    sa.Column("capabilities", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# The KV store. `data` is PostgreSQL's jsonb text rendering (what `data::text` gives, the basis
# of `data_size`); `data_json` is the compact form the server answers with.
kv = sa.Table(
    "kv",
    metadata,
    sa.Column("namespace", _CText, primary_key=True),
    sa.Column("key", _CText, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("data_json", sa.Text, nullable=False),
    sa.Column("data_size", sa.Integer, nullable=False),
    sa.Column("committed", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("read_caps", sa.Text, nullable=True),
    sa.Column("write_caps", sa.Text, nullable=True),
)

# Dashboard login sessions (upstream `user_sessions2`): the `session` cookie holds the id.
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Repositories archived on the VCS side: only those may be deleted (§5, repo delete).
archived_repos = sa.Table(
    "archived_repos",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("repo_id", sa.BigInteger, primary_key=True, autoincrement=False),
)

# HS256 keys; the lowest rank signs, every key verifies (upstream `encryption_keys`).
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.Text, nullable=False),
)

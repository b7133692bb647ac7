"""Identity tables: users, their VCS accounts, installations, memberships, API keys, sessions.

On the shared `storage.schema.metadata`. Timestamps are floats (seconds since the epoch, from
the emulator clock).
"""

from __future__ import annotations

import sqlalchemy as sa

from terrateam_emulator.storage.schema import CText, metadata

__all__ = [
    "access_tokens",
    "installations",
    "memberships",
    "user_sessions",
    "user_vcs_accounts",
    "users",
]


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
    sa.Column("name", CText, nullable=False),
    sa.Column("capabilities", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Dashboard login sessions (upstream `user_sessions2`): the `session` cookie holds the id.
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

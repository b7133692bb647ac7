"""Identity: users, VCS accounts, installations, memberships, API keys, access tokens, caps."""

"""Pulumi program: a CI API key with KV capabilities, a config entry and an artifact.

pulumi config set --secret terrateam:apiKey <your API key>
pulumi config set terrateam:baseUrl https://app.terrateam.io   # or the emulator's URL
pulumi config set terrateam:installationId 12345
pulumi up
"""

from __future__ import annotations

import pulumi
from resources import specs

from pulumi_terrateam import whoami

installation_id = pulumi.Config("terrateam").get_int("installationId") or 12345

created = {name: cls(name, **inputs) for cls, name, inputs in specs(installation_id)}

pulumi.export("ci_key_id", created["ci-key"].token_id)
pulumi.export("ci_key", created["ci-key"].refresh_token)  # secret in the state and output
pulumi.export("config_version", created["deploy-config"].version)
pulumi.export("bundle_sha256", created["deploy-bundle"].sha256)
pulumi.export("me", whoami().apply(lambda who: who["id"]))

"""Pulumi program: the same kind of resources in two Terrateam accounts at once.

    pulumi config set --secret terrateam:apiKey <main account's API key>
    pulumi config set terrateam:baseUrl https://app.terrateam.io
    pulumi config set terrateam:installationId 12345
    pulumi config set --secret opsApiKey <ops account's API key>
    pulumi config set opsBaseUrl https://app.terrateam.io
    pulumi config set opsVcs gitlab
    pulumi config set opsInstallationId 678
    pulumi up

Resources without ``connection=`` use the stack's ``terrateam:*`` settings; the others use the
``ops`` connection, whose key is a secret input and stays encrypted in the state.
"""

from __future__ import annotations

import pulumi
from resources import specs

from pulumi_terrateam import Connection, get_kv_entry_output, get_whoami_output

cfg = pulumi.Config()
ops = Connection(
    base_url=cfg.require("opsBaseUrl"),
    api_key=cfg.require_secret("opsApiKey"),
    vcs=cfg.get("opsVcs") or "github",
    installation_id=cfg.require_int("opsInstallationId"),
)

created = {
    name: cls(name, **inputs, connection=ops if account == "ops" else None)
    for cls, name, inputs, account in specs()
}

# Typed reads on either account (the KV value is a secret Output).
first_ops_flag = get_kv_entry_output(created["ops-flag-0"].key, connection=ops).apply(
    lambda record: record.version if record is not None else None
)
pulumi.export("ops_flag_0_version", first_ops_flag)
pulumi.export("main_user", get_whoami_output().apply(lambda me: me.id))
pulumi.export("ops_user", get_whoami_output(connection=ops).apply(lambda me: me.id))

# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every module and lookup of terrateam.api."""

    # Modules: the same options get their environment fallbacks from the argument spec; the
    # environment read is the controller's because every module runs there.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - Terrateam API key (a long-lived refresh token). It is exchanged for a short-lived
        access token on the controller and never returned, logged or written anywhere.
      - When not set, the E(TERRATEAM_API_KEY) environment variable of the controller is used,
        then the C(terrateam_core) profile (E(TERRATEAM_PROFILE), C(~/.config/terrateam/config.toml)).
    type: str
  base_url:
    description:
      - Base URL of the Terrateam server.
      - When not set, E(TERRATEAM_BASE_URL) is used, then the profile, then V(https://app.terrateam.io).
    type: str
  vcs:
    description:
      - The version control system the installation belongs to.
      - When not set, E(TERRATEAM_VCS) is used, then the profile, then V(github).
    type: str
    choices: [github, gitlab]
  installation_id:
    description:
      - Installation used by installation-scoped calls (KV, repositories, work manifests, ...).
      - When not set, E(TERRATEAM_INSTALLATION_ID) is used, then the profile.
    type: int
  timeout:
    description:
      - Timeout in seconds of each HTTP request.
      - When not set, E(TERRATEAM_TIMEOUT) is used (the variable the C(terrateam) CLI and the
        Pulumi provider read too).
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
      - When not set, E(TERRATEAM_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path on the controller to a PEM bundle of CA certificates used to verify the server.
      - Only used when O(validate_certs=true).
      - When not set, E(TERRATEAM_CA_PATH) is used.
    type: path
  token_cache:
    description:
      - Share the short-lived access token between tasks instead of exchanging the API key in
        every task.
      - Within one worker process (a loop, several lookups in one task) the client and its
        token are always shared in memory. With O(token_cache=true) the token is also kept in
        the C(terrateam_core) token cache, a file private to the controller user (mode 0600)
        keyed by the base URL and a fingerprint of the API key, and reused until it expires,
        so a play pays about one exchange per token lifetime (60 seconds).
      - When not set, E(TERRATEAM_TOKEN_CACHE) is used, then V(true).
      - Needs a C(terrateam_core) that provides C(terrateam_core.token_cache); older ones only
        share in memory.
    type: bool
    default: true
notes:
  - This runs on the Ansible controller (through an action plugin); managed hosts need nothing
    installed. The controller needs C(pip install terrateam-toolkit[ansible]) in the Python
    environment that runs Ansible.
  - Environment variables are read on the controller, not on the managed host.
requirements:
  - terrateam-toolkit (C(terrateam_core)) on the controller
"""

    # Lookups: the same options plus where Ansible's plugin configuration finds them.
    PLUGINS = r"""
options:
  api_key:
    env:
      - name: TERRATEAM_API_KEY
    vars:
      - name: terrateam_api_key
  base_url:
    env:
      - name: TERRATEAM_BASE_URL
    vars:
      - name: terrateam_base_url
  vcs:
    env:
      - name: TERRATEAM_VCS
    vars:
      - name: terrateam_vcs
  installation_id:
    env:
      - name: TERRATEAM_INSTALLATION_ID
    vars:
      - name: terrateam_installation_id
  timeout:
    env:
      - name: TERRATEAM_TIMEOUT
    vars:
      - name: terrateam_timeout
  validate_certs:
    env:
      - name: TERRATEAM_VALIDATE_CERTS
    vars:
      - name: terrateam_validate_certs
  ca_path:
    env:
      - name: TERRATEAM_CA_PATH
    vars:
      - name: terrateam_ca_path
  token_cache:
    env:
      - name: TERRATEAM_TOKEN_CACHE
    vars:
      - name: terrateam_token_cache
"""

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: kv_artifact
short_description: Push a file to, or fetch one from, a Terrateam KV artifact
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - An artifact is a file stored in the KV store in chunks with a manifest (size, sha256).
  - O(state=present) uploads the controller file O(src) unless the stored artifact already has
    the same checksum.
  - O(state=fetched) delivers the artifact to O(dest) on the managed host like
    M(ansible.builtin.copy) (same O(mode), O(owner) and O(group) handling); C(changed) only when the
    host's file differed. The artifact is downloaded once per task and controller run and
    verified against its sha256, then reused for every host of the task (a play against 50 hosts
    makes one download). A later task downloads again, so an artifact re-published during the
    run is seen.
  - O(state=absent) deletes the artifact.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
attributes:
  check_mode:
    description: Predicts uploads and deletions by reading the manifest; a fetch is checked by M(ansible.builtin.copy).
    support: full
  diff_mode:
    description: Not supported (artifacts may hold secrets and binary data).
    support: none
options:
  key:
    description: Key of the artifact.
    type: str
    required: true
  state:
    description:
      - V(present), V(fetched) or V(absent). When not set, V(present) if O(src) is given and
        V(fetched) if O(dest) is given.
    type: str
    choices: [present, fetched, absent]
  src:
    description: Path on the controller of the file to upload (O(state=present)).
    type: path
  dest:
    description: Path on the managed host to deliver the artifact to (O(state=fetched)).
    type: path
  content_type:
    description: Content type recorded in the manifest on upload.
    type: str
  mode:
    description: Permissions of O(dest), as for M(ansible.builtin.copy).
    type: raw
  owner:
    description: Owner of O(dest), as for M(ansible.builtin.copy).
    type: str
  group:
    description: Group of O(dest), as for M(ansible.builtin.copy).
    type: str
seealso:
  - module: ansible.builtin.copy
  - module: terrateam.api.kv
"""

EXAMPLES = r"""
- name: Publish a plan file from the controller
  terrateam.api.kv_artifact:
    key: plans/network
    src: build/network.tfplan
  run_once: true

- name: Deliver it to every web server (downloaded once)
  terrateam.api.kv_artifact:
    key: plans/network
    dest: /opt/app/network.tfplan
    mode: "0640"
"""

RETURN = r"""
artifact:
  description: The artifact's manifest (null when absent).
  returned: always
  type: dict
  contains:
    key:
      description: Key of the artifact.
      type: str
    size:
      description: Size in bytes.
      type: int
    sha256:
      description: SHA-256 of the content, hex.
      type: str
    chunk_size:
      description: Size of each chunk in bytes.
      type: int
    chunks:
      description: Number of chunks.
      type: int
    content_type:
      description: Content type recorded on upload.
      type: str
    generation:
      description: Generation of the artifact's layout.
      type: raw
    layout:
      description: Storage layout.
      type: str
dest:
  description: Destination on the managed host.
  returned: when O(state=fetched)
  type: str
  sample: /opt/app/network.tfplan
checksum:
  description: SHA-1 checksum of the delivered file (as M(ansible.builtin.copy) reports it).
  returned: when O(state=fetched)
  type: str
downloaded:
  description: Whether this task downloaded the artifact (false when the controller cache of this run already held it).
  returned: when O(state=fetched)
  type: bool
deleted:
  description: Whether an artifact was deleted.
  returned: when O(state=absent)
  type: bool
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("kv_artifact")


if __name__ == "__main__":
    main()

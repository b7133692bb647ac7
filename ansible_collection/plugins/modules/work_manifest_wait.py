#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: work_manifest_wait
short_description: Wait for a Terrateam run of a repository or pull request to finish
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Finds the newest run (work manifest) of O(repo) matching O(pull_number), O(kind), O(dir),
    O(workspace) and O(environment), and waits until it is completed or aborted. A run that does
    not exist yet is waited for too, so a playbook can start before Terrateam applies the
    infrastructure pull request.
  - By default the task fails when the run did not succeed (aborted, or a dirspace failed), so
    hosts are only configured on top of a successful apply.
  - Runs on the controller through C(terrateam_core); managed hosts need nothing.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  repo:
    description: The repository, as V(name) or V(owner/name).
    type: str
    required: true
  pull_number:
    description: Only runs of this pull request.
    type: int
  kind:
    description: Only plan or apply runs (any run type when omitted).
    type: str
    choices: [plan, apply]
  dir:
    description: Only runs that include this directory.
    type: str
  workspace:
    description: With O(dir), only that dirspace's workspace.
    type: str
  environment:
    description: Only runs for this environment.
    type: str
  created_after:
    description:
      - Ignore runs created before this ISO 8601 time (for example the CI job's start), so an
        older run never counts.
    type: str
  wait_timeout:
    description: Seconds to wait before failing with C(TaskTimeoutError).
    type: float
    default: 1800
  poll_interval:
    description: Seconds between two looks at the runs.
    type: float
    default: 10
  require_success:
    description: Fail the task when the run was aborted or a dirspace failed.
    type: bool
    default: true
  outputs:
    description: Also return the run's step outputs in the C(outputs) field of RV(work_manifest).
    type: bool
    default: false
seealso:
  - module: terrateam.api.work_manifest_info
"""

EXAMPLES = r"""
- name: Wait until Terrateam has applied the infrastructure pull request
  terrateam.api.work_manifest_wait:
    repo: acme/infrastructure
    pull_number: 42
    kind: apply
    wait_timeout: 3600
  register: infra

- name: Configure the hosts the apply created
  ansible.builtin.debug:
    msg: "{{ infra.reason }}"

- name: Only look at whether the plan of one directory succeeded, without failing
  terrateam.api.work_manifest_wait:
    repo: infrastructure
    pull_number: 42
    kind: plan
    dir: network
    require_success: false
    outputs: true
  register: plan
"""

RETURN = r"""
work_manifest:
  description: The finished run (with C(outputs) when O(outputs=true)).
  returned: success, or when the run did not succeed
  type: dict
  sample: {"id": "7c0d…", "run_type": "apply", "state": "completed", "repo": "infrastructure"}
succeeded:
  description: Whether the run completed and none of its dirspaces failed.
  returned: success, or when the run did not succeed
  type: bool
  sample: true
reason:
  description: One line saying what happened to the run.
  returned: success, or when the run did not succeed
  type: str
  sample: run 7c0d… (apply) failed in network:default
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("work_manifest_wait")


if __name__ == "__main__":
    main()

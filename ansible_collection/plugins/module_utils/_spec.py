# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Argument specs of every terrateam.api module, in one place.

The module files hand these to AnsibleModule (so validate-modules checks them against the
documentation) and the same-named action plugins validate task arguments against them on the
controller, where the work is done.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

# The options every module and lookup share (doc fragment terrateam.api.connection).
CONNECTION_SPEC = dict(
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["TERRATEAM_API_KEY"])),
    base_url=dict(type="str", fallback=(env_fallback, ["TERRATEAM_BASE_URL"])),
    vcs=dict(type="str", choices=["github", "gitlab"], fallback=(env_fallback, ["TERRATEAM_VCS"])),
    installation_id=dict(type="int", fallback=(env_fallback, ["TERRATEAM_INSTALLATION_ID"])),
    timeout=dict(type="float", default=30.0, fallback=(env_fallback, ["TERRATEAM_TIMEOUT"])),
    validate_certs=dict(
        type="bool", default=True, fallback=(env_fallback, ["TERRATEAM_VALIDATE_CERTS"])
    ),
    ca_path=dict(type="path", fallback=(env_fallback, ["TERRATEAM_CA_PATH"])),
    token_cache=dict(type="bool", default=True, fallback=(env_fallback, ["TERRATEAM_TOKEN_CACHE"])),
)

_CAPS = dict(type="list", elements="raw")
_LIMIT = dict(type="int")
_RECORD_OPTS = dict(
    idx=dict(type="int"),
    committed=dict(type="bool", default=True),
)

_MODULE_SPECS = {
    "api_token": dict(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            capabilities=dict(_CAPS),
            recreate=dict(type="str", default="never", choices=["never", "on_change", "always"]),
        ),
        required_if=[("state", "present", ("capabilities",))],
    ),
    "api_token_info": dict(argument_spec=dict(name=dict(type="str"))),
    "kv": dict(
        argument_spec=dict(
            key=dict(type="str", required=True, no_log=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            value=dict(type="raw"),
            read_caps=dict(_CAPS),
            write_caps=dict(_CAPS),
            version=dict(type="int"),
            read_before_write=dict(type="bool", default=True),
            show_values=dict(type="bool", default=False),
            **_RECORD_OPTS,
        ),
        required_if=[("state", "present", ("value",))],
    ),
    "kv_info": dict(
        argument_spec=dict(
            key=dict(type="str", required=True, no_log=False),
            prefix=dict(type="bool", default=False),
            count=dict(type="bool", default=False),
            size=dict(type="bool", default=False),
            limit=dict(_LIMIT),
            **_RECORD_OPTS,
        ),
    ),
    "kv_commit": dict(
        argument_spec=dict(keys=dict(type="list", elements="raw", required=True, no_log=False)),
    ),
    "kv_artifact": dict(
        argument_spec=dict(
            key=dict(type="str", required=True, no_log=False),
            state=dict(type="str", choices=["present", "fetched", "absent"]),
            src=dict(type="path"),
            dest=dict(type="path"),
            content_type=dict(type="str"),
            mode=dict(type="raw"),
            owner=dict(type="str"),
            group=dict(type="str"),
        ),
        mutually_exclusive=[("src", "dest")],
        required_if=[("state", "present", ("src",)), ("state", "fetched", ("dest",))],
    ),
    "installation_info": dict(argument_spec=dict()),
    "repo_info": dict(argument_spec=dict(limit=dict(_LIMIT))),
    "pull_request_info": dict(argument_spec=dict(pr=dict(type="int"), limit=dict(_LIMIT))),
    "work_manifest_info": dict(
        argument_spec=dict(
            id=dict(type="str"),
            q=dict(type="str"),
            tz=dict(type="str"),
            limit=dict(type="int", default=20),
            outputs=dict(type="bool", default=False),
            wait_for=dict(type="str", choices=["completed"]),
            wait_timeout=dict(type="float", default=1800.0),
        ),
        required_by={"wait_for": ("id",)},
    ),
    "work_manifest_wait": dict(
        argument_spec=dict(
            repo=dict(type="str", required=True),
            pull_number=dict(type="int"),
            kind=dict(type="str", choices=["plan", "apply"]),
            dir=dict(type="str"),
            workspace=dict(type="str"),
            environment=dict(type="str"),
            created_after=dict(type="str"),
            wait_timeout=dict(type="float", default=1800.0),
            poll_interval=dict(type="float", default=10.0),
            require_success=dict(type="bool", default=True),
            outputs=dict(type="bool", default=False),
        ),
    ),
    "dirspace_info": dict(
        argument_spec=dict(
            q=dict(type="str"), tz=dict(type="str"), limit=dict(type="int", default=20)
        ),
    ),
    "stack_info": dict(
        argument_spec=dict(
            repo_id=dict(type="int", required=True),
            pull_number=dict(type="int", required=True),
        ),
    ),
    "task_info": dict(
        argument_spec=dict(
            id=dict(type="str", required=True),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="float", default=900.0),
        ),
    ),
    "whoami_info": dict(argument_spec=dict()),
}

MODULE_NAMES = tuple(sorted(_MODULE_SPECS))


def module_kwargs(name):
    """Return the AnsibleModule keyword arguments (argument_spec and checks) of module ``name``."""
    spec = _MODULE_SPECS[name]
    kwargs = {key: value for key, value in spec.items() if key != "argument_spec"}
    argument_spec = dict(CONNECTION_SPEC)
    argument_spec.update(spec["argument_spec"])
    kwargs["argument_spec"] = argument_spec
    return kwargs


def run_module(name):
    """Entry point of a module file: these modules only run through their action plugin."""
    # Imported here so that importing this file for its specs stays cheap.
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(supports_check_mode=True, **module_kwargs(name))
    module.fail_json(
        msg="terrateam.api.%s runs on the controller through its action plugin; it was executed "
        "as a plain module instead (is the collection installed completely?)" % name
    )

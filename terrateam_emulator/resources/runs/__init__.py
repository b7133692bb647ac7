"""Runs: repos, pull requests, work manifests, dirspaces, outputs, stacks, tasks, schedules."""

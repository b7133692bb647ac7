"""``python -m terrateam_core.cli``: the same as the ``terrateam`` console script."""

from __future__ import annotations

from terrateam_core.cli import main

if __name__ == "__main__":
    main()

"""``python -m biomedqa``: the same command line as the ``biomedqa`` console script."""

from __future__ import annotations

from biomedqa.cli import main

if __name__ == "__main__":
    main()

"""Run a benchmark against an older commit of the bot, beside the current code, in one run.

``old_tree(rev)`` checks ``rev`` out into a temporary work tree (``git worktree add
--detach``) and yields its folder; ``python main.py`` started there imports that tree's
packages (the script's folder comes first on ``sys.path``) with today's virtualenv. The
default is the commit before issue 13 (one httpx pool per bot, every call to the database
on aiosqlite's thread), so "old design beside new" is measured on the same machine, in the
same minute, under the same load.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from common import ROOT

BEFORE_ISSUE_13 = "e4cad87"


@contextlib.contextmanager
def old_tree(rev: str = BEFORE_ISSUE_13) -> Iterator[Path]:
    """Yield a folder holding the code of ``rev``; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="old-bot-") as tmp:
        folder = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), rev],
            check=True,
        )
        try:
            yield folder
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
                check=False,
            )

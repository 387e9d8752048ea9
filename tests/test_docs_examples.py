"""Every Python example in the guide (``docs/*.md``) and the README runs, so none can drift.

The ```python blocks of one page run in order in one namespace (a page's examples build on one
another, as a reader follows them), in a temporary working folder. A block whose first line is
``# not run`` is skipped (for fragments that need a server or a network)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(page: Path) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)
            if not m.group(1).lstrip().startswith("# not run")]


# Pages whose examples are still fragments that lean on names or files they do not set up
# (issue 15 makes them self-contained); strict, so a page that starts passing must leave the list.
NOT_YET_SELF_CONTAINED = {"atomese.md", "feedback.md", "motion.md", "pipelines.md", "triggers.md"}


def _param(page: Path) -> object:
    marks = [pytest.mark.xfail(strict=True, reason="examples are fragments of a larger program")
             ] if page.name in NOT_YET_SELF_CONTAINED else []
    return pytest.param(page, marks=marks, id=page.relative_to(ROOT).as_posix())


@pytest.mark.parametrize("page", [_param(p) for p in PAGES if _blocks(p)])
def test_the_examples_of_a_page_run(page: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_example_{page.stem.replace('-', '_')}"}
    for line, code in _blocks(page):
        exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)  # noqa: S102

"""House rule: no function over 60 lines without a reason in its docstring.

A long function is hard to review: to judge a line, the reader holds every line above it in mind,
and a change in one part may quietly depend on another screenful away. Some functions are long on
purpose: a numba kernel keeps its loop in one function (a call per packet would cost more than the
branch), a Qt form is built in the order it appears on screen, an argparse definition lists its
options in the order ``--help`` prints them. Then the reason must be written where the reader is:
a line of the function's docstring that starts with ``Long:``, saying why in one sentence.

The check walks every ``*.py`` under ``sim_core/`` and ``desktop/`` with ``ast`` (it parses the
files, it imports nothing) and fails listing each function or method, sync or async, longer than
``MAX_LINES`` (``end_lineno - lineno + 1`` of its ``def``) whose docstring has no such line, as
``path:line name length``. Split the function, or give it its reason.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("sim_core", "desktop")
MAX_LINES = 60
REASON = "Long:"


def long_without_reason(source: str, path: str) -> list[str]:
    """The functions of ``source`` (read from ``path``) longer than ``MAX_LINES`` whose docstring
    has no line starting with ``Long:``, as ``path:line name length`` in the order of the file."""
    found = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if length <= MAX_LINES:
            continue
        doc = ast.get_docstring(node) or ""
        if not any(line.lstrip().startswith(REASON) for line in doc.splitlines()):
            found.append((node.lineno, f"{path}:{node.lineno} {node.name} {length}"))
    return [text for _, text in sorted(found)]


def test_long_functions_say_why():
    offenders = []
    for package in PACKAGES:
        for file in sorted((REPO / package).rglob("*.py")):
            offenders += long_without_reason(file.read_text(encoding="utf-8"), file.relative_to(REPO).as_posix())
    assert not offenders, (
        f"{len(offenders)} functions over {MAX_LINES} lines without a line starting with {REASON!r} in their "
        "docstring (split them, or write why they are long):\n" + "\n".join(offenders)
    )


def _module(doc: list[str], length: int, method: bool = False) -> str:
    """A module holding one function exactly ``length`` lines long whose docstring has the lines
    ``doc``; with ``method``, an async method of a class."""
    head = ["async def kernel(self, n):" if method else "def kernel(n):", '    """' + doc[0]]
    head += [f"    {line}" if line else "" for line in doc[1:]] + ['    """', "    total = 0"]
    body = [f"    total += {i}" for i in range(length - len(head) - 1)] + ["    return total"]
    lines = head + body
    if method:
        lines = ["class Model:"] + [f"    {line}" if line else "" for line in lines]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("method", [False, True], ids=["function", "async method"])
def test_the_check_can_fail(method):
    line = 2 if method else 1
    summary = ["Add up the first numbers."]
    reason = summary + ["", "Long: one line per number, so that each reads beside its neighbour."]
    assert long_without_reason(_module(summary, 70, method), "demo.py") == [f"demo.py:{line} kernel 70"]
    assert long_without_reason(_module(reason, 70, method), "demo.py") == []
    # the limit itself: 60 lines need no reason, 61 do
    assert long_without_reason(_module(summary, 60, method), "demo.py") == []
    assert long_without_reason(_module(summary, 61, method), "demo.py") == [f"demo.py:{line} kernel 61"]
    # "Long:" in the middle of a line is not a reason line
    inline = ["Add up the first numbers. Long: it is."]
    assert long_without_reason(_module(inline, 70, method), "demo.py") == [f"demo.py:{line} kernel 70"]

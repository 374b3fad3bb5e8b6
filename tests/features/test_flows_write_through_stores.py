"""Flows decide and stores write: no conversation code assigns to a row it was given.

A flow may read the rows its store returns, but every change goes through a store
method named for what it does (``pause``, ``snooze_until``, ...), so what a step writes
can be read in one place. The only attributes conversation code sets are its own and
the turn's (``turn.notice``, the runner's settings on ``turn.user``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FEATURES = Path(__file__).resolve().parents[2] / "bot" / "features"
CONVERSATIONS = sorted(
    [*FEATURES.glob("*/flow.py"), *FEATURES.glob("*/*_flow.py"), FEATURES / "reminders/actions.py"]
)
OWN = {"self", "turn"}


def _base(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _writes(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                base = _base(part)
                if isinstance(part, ast.Attribute) and not (
                    isinstance(base, ast.Name) and base.id in OWN
                ):
                    found.append(f"line {part.lineno}: {ast.unparse(part)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"add", "add_all", "delete", "merge", "flush"}
            and isinstance(_base(node.func), ast.Name)
            and "session" in ast.unparse(node.func.value)
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", CONVERSATIONS, ids=lambda p: str(p.relative_to(FEATURES)))
def test_conversation_code_changes_rows_only_through_its_store(path: Path) -> None:
    assert _writes(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_sees_a_direct_write() -> None:
    code = "def pause(reminder, session):\n"
    code += "    reminder.status = 'paused'\n"
    code += "    session.add(reminder)\n"
    assert _writes(ast.parse(code)) == [
        "line 2: reminder.status",
        "line 3: session.add(reminder)",
    ]

"""The knowledge package sits below the answering package: it never imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import actions.knowledge


def test_knowledge_does_not_import_answering() -> None:
    package = Path(actions.knowledge.__file__).parent
    offending = []
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offending += [f"{module.name}: {n}" for n in names if n.startswith("actions.answering")]
    assert offending == []

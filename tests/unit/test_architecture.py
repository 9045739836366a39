"""Specifications of the code's shape: what may depend on what."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bandcrawler"


def test_only_the_event_store_refers_to_the_events_table():
    """The `events` table is the event store's: every other module reads and writes the log
    through EventStore, so that every read is upcast and the table's shape lives in one
    place. Found: an import of `events` from bandcrawler.store.tables, `tables.events`,
    `metadata.tables["events"]`, and SQL text naming the table (FROM/INTO/JOIN… events)."""
    tables_module = "bandcrawler.store.tables"
    sql = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+\"?events\b")
    allowed = {"store/event_store.py", "store/tables.py"}  # the store, the declaration
    # Known pending: the lead is moving repository.py's folds onto EventStore's reads;
    # remove it from here once it no longer refers to the table.
    pending = {"store/repository.py"}

    def refers(tree: ast.Module, module: str) -> list[int]:
        package = module.rsplit(".", 1)[0]
        aliases: set[str] = set()  # names bound to the tables module itself
        lines: list[int] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolved from this module's package
                    parent = package.rsplit(".", node.level - 1)[0]
                    base = f"{parent}.{base}" if base else parent
                for name in node.names:
                    if base == tables_module and name.name in ("events", "*"):
                        lines.append(node.lineno)
                    elif f"{base}.{name.name}" == tables_module:
                        aliases.add(name.asname or name.name)
            elif isinstance(node, ast.Import):
                for name in node.names:
                    if name.name == tables_module:
                        aliases.add(name.asname or tables_module)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if sql.search(node.value):
                    lines.append(node.lineno)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                if (node.slice.value == "events" and isinstance(node.value, ast.Attribute)
                        and node.value.attr == "tables"):
                    lines.append(node.lineno)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "events" and (
                    ast.unparse(node.value) in aliases):
                lines.append(node.lineno)
        return lines

    found: dict[str, list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("store/migrations/"):  # the schema's history, by design
            continue
        module = "bandcrawler." + relative.removesuffix(".py").replace("/", ".")
        lines = refers(ast.parse(path.read_text(encoding="utf-8")), module)
        if lines:
            found[relative] = lines

    assert "store/event_store.py" in found  # the search finds what is there to find
    stale = pending - set(found)
    assert not stale, f"{stale} no longer refer to `events`: drop them from `pending`"
    others = {path: lines for path, lines in found.items() if path not in allowed | pending}
    assert others == {}, f"modules outside the event store use the events table: {others}"

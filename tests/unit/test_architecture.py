"""Specifications of the code's shape: what may depend on what."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bandcrawler"
STORE = PACKAGE / "store"
# SQLAlchemy's exceptions and the drivers' (whose modules hold theirs).
DATABASE_ERRORS = ("sqlalchemy.exc", "sqlite3", "psycopg", "psycopg2")


def test_only_the_event_store_refers_to_the_events_table():
    """The `events` table is the event store's: every other module reads and writes the log
    through EventStore, so that every read is upcast and the table's shape lives in one
    place. Found: an import of `events` from bandcrawler.store.tables, `tables.events`,
    `metadata.tables["events"]`, and SQL text naming the table (FROM/INTO/JOIN… events)."""
    tables_module = "bandcrawler.store.tables"
    sql = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+\"?events\b")
    allowed = {"store/event_store.py", "store/tables.py"}  # the store, the declaration

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
    others = {path: lines for path, lines in found.items() if path not in allowed}
    assert others == {}, f"modules outside the event store use the events table: {others}"


def _database_error_uses(tree: ast.AST) -> list[int]:
    """Lines that import one of DATABASE_ERRORS (in any spelling) or reach it as an
    attribute."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            base = node.module or ""
            named = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            named = [f"{node.value.id}.{node.attr}"]
        else:
            continue
        if any(name == module or name.startswith(f"{module}.")
               for name in named for module in DATABASE_ERRORS):
            lines.append(node.lineno)
    return lines


def test_only_the_store_knows_sqlalchemys_and_the_drivers_exceptions():
    # Database errors leave bandcrawler/store as its own exceptions (store/errors.py):
    # StoreError, StoreUnavailable, KeyTaken. Catch those, not SQLAlchemy's or a driver's.
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in PACKAGE.rglob("*.py") if STORE not in path.parents
        for line in _database_error_uses(ast.parse(path.read_text(), str(path)))
    }
    assert offenders == set()


def test_the_rule_sees_every_spelling_of_the_import():
    spellings = ["import sqlalchemy.exc", "from sqlalchemy.exc import IntegrityError",
                 "from sqlalchemy import exc", "import sqlalchemy\nsqlalchemy.exc.DBAPIError",
                 "import sqlite3", "from psycopg import errors", "import psycopg2.errors"]
    assert all(_database_error_uses(ast.parse(code)) for code in spellings)
    assert _database_error_uses(ast.parse("from sqlalchemy import select, exists")) == []

"""Rules of the code's shape that no single behaviour test would notice being broken."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bandcrawler"
STORE = PACKAGE / "store"
# SQLAlchemy's exceptions and the drivers' (whose modules hold theirs).
DATABASE_ERRORS = ("sqlalchemy.exc", "sqlite3", "psycopg", "psycopg2")


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

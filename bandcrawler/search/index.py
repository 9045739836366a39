"""Versioned concert indices behind one alias: template, creation, atomic alias swap."""

from __future__ import annotations

import copy
import json
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import scan

from bandcrawler.faults import kill_point

logger = logging.getLogger(__name__)


def load_template() -> dict[str, Any]:
    """The index template body shipped as package data (`template.json`)."""
    return json.loads(files("bandcrawler.search").joinpath("template.json").read_text("utf-8"))


class ConcertIndex:
    """Documents live in `<alias>-v<n>-<utc stamp>-<random>`; readers and writers use the alias.

    `index_settings` (e.g. ``{"number_of_replicas": 1}``) override the template's
    development defaults of one shard and no replica.
    """

    def __init__(
        self,
        client: Elasticsearch,
        alias: str = "concerts",
        *,
        index_settings: Mapping[str, Any] | None = None,
    ):
        self.client = client
        self.alias = alias
        self.index_settings = dict(index_settings or {})
        self._name_re = re.compile(rf"^{re.escape(alias)}-v(\d+)-")

    # -- template --------------------------------------------------------------

    def template_body(self) -> dict[str, Any]:
        body = copy.deepcopy(load_template())
        body["template"]["settings"].update(self.index_settings)
        body["index_patterns"] = [f"{self.alias}-v*"]
        return body

    def put_template(self) -> None:
        """Install (or update) the template, so every new `<alias>-v*` index gets the mapping."""
        self.client.indices.put_index_template(name=self.alias, **self.template_body())

    # -- indices and the alias -------------------------------------------------

    def ensure(self) -> str:
        """Put the template and make sure the alias points at an index; returns that index.

        Idempotent. Two processes racing here may both create a v1 index; each then
        settles on the same winner (the smallest name) and drops the other.
        """
        self.put_template()
        current = self.current_index()
        if current is not None:
            return current
        if self.client.indices.exists(index=self.alias):
            raise RuntimeError(f"{self.alias!r} is a concrete index, not an alias; rename it")
        mine = self._create(version=1)
        if not self._alias_indices():
            self.client.indices.update_aliases(actions=[_add(mine, self.alias)])
        return self._settle(mine)

    def new_index(self, *, bulk_load: bool = False) -> str:
        """Create the next versioned index (not yet behind the alias), e.g. for a rebuild.

        `bulk_load` creates it without periodic refreshes (`refresh_interval: -1`), as a
        bulk load wants; `end_bulk_load` restores the template's setting.
        """
        self.put_template()
        versions = [int(m.group(1)) for name in self._versioned_indices()
                    if (m := self._name_re.match(name))]
        settings = {"index": {"refresh_interval": "-1"}} if bulk_load else None
        return self._create(version=max(versions, default=0) + 1, settings=settings)

    def end_bulk_load(self, index: str) -> None:
        """Give `index` back the template's refresh interval (the default when it sets none)
        and refresh it: its documents become searchable before it goes behind the alias."""
        settings = self.template_body()["template"]["settings"]
        restored = settings.get("refresh_interval", settings.get("index.refresh_interval"))
        self.client.indices.put_settings(index=index,
                                         settings={"index": {"refresh_interval": restored}})
        self.refresh(index)

    def swap_alias(self, new_index: str) -> list[str]:
        """Point the alias at `new_index` and delete the indices it pointed at, in one atomic
        call (`remove_index`): readers never see the alias without an index, and a crash
        cannot leave an old index behind.

        Returns the names of the deleted indices.
        """
        kill_point("reindex_swap")
        if not self._name_re.match(new_index):
            raise ValueError(f"{new_index!r} is not a versioned index of alias {self.alias!r}")
        old = sorted(set(self._alias_indices()) - {new_index})
        actions = [{"remove_index": {"index": name}} for name in old]
        self.client.indices.update_aliases(actions=[*actions, _add(new_index, self.alias)])
        logger.info("Alias %s now points at %s; deleted %s", self.alias, new_index,
                    old or "nothing")
        return old

    def current_index(self) -> str | None:
        """The index behind the alias, or None when the alias does not exist yet."""
        owners = sorted(self._alias_indices())
        return owners[0] if owners else None

    def drop(self) -> list[str]:
        """Delete every versioned index of the alias (so the alias too) and its template."""
        names = self._versioned_indices()
        self._delete(names)
        self.client.options(ignore_status=404).indices.delete_index_template(name=self.alias)
        return names

    def refresh(self, index: str | None = None) -> None:
        self.client.indices.refresh(index=index or self.alias)

    def documents(self, index: str | None = None) -> dict[str, tuple[int, dict[str, Any]]]:
        """Every document as id -> (version, source), read from the alias or `index`."""
        hits = scan(self.client, index=index or self.alias, query={"query": {"match_all": {}}},
                    version=True)
        return {hit["_id"]: (hit["_version"], hit["_source"]) for hit in hits}

    # -- helpers ---------------------------------------------------------------

    def _create(self, version: int, settings: dict[str, Any] | None = None) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.alias}-v{version}-{stamp}-{secrets.token_hex(3)}"
        self.client.indices.create(index=name, settings=settings)
        logger.info("Created index %s", name)
        return name

    def _alias_indices(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def _versioned_indices(self) -> list[str]:
        found = self.client.indices.get_alias(index=f"{self.alias}-v*").body
        return [name for name in found if self._name_re.match(name)]

    def _settle(self, mine: str) -> str:
        owners = sorted(self._alias_indices())
        winner = owners[0]
        losers = owners[1:]
        if losers:
            try:
                self.client.indices.update_aliases(
                    actions=[_remove(name, self.alias) for name in losers])
            except NotFoundError:
                pass  # another process removed them first
        self._delete([*losers, mine] if mine != winner else losers)
        return winner

    def _delete(self, names: list[str]) -> None:
        for name in dict.fromkeys(names):
            self.client.options(ignore_status=404).indices.delete(index=name)
            logger.info("Deleted index %s", name)


def _add(index: str, alias: str) -> dict[str, Any]:
    return {"add": {"index": index, "alias": alias}}


def _remove(index: str, alias: str) -> dict[str, Any]:
    return {"remove": {"index": index, "alias": alias}}

"""`Identification`: the use cases of issue 4 over one `IdentificationContext`, for the service and tests."""

from __future__ import annotations

import dataclasses

from libs.identification.context import IdentificationContext
from libs.identification.groups import Groups
from libs.identification.images import Images
from libs.identification.match_and_search import MatchAndSearchOutcome, MatchAndSearchQuery, match_and_search
from libs.identification.persons import Persons
from libs.identification.reconciler import Reconciler
from libs.identification.schema import MIGRATIONS
from libs.identification.search import Search, SearchOutcome, SearchQuery
from libs.identification.tenants import TenantDeletion, delete_tenant
from libs.tenants import valid_tenant


class Identification:
    def __init__(self, ctx: IdentificationContext) -> None:
        self.context = ctx
        self.persons = Persons(ctx)
        self.groups = Groups(ctx)
        self.images = Images(ctx)
        self.reconciler = Reconciler(ctx)
        self._search = Search(ctx, self.persons, self.images)

    def for_tenant(self, tenant: str) -> Identification:
        """The same use cases over the same stores, seeing and writing only `tenant`'s data."""
        if tenant == self.context.tenant:
            return self
        return Identification(dataclasses.replace(self.context, tenant=valid_tenant(tenant)))

    async def delete_tenant(self, tenant: str) -> TenantDeletion:
        """Remove every person, image and group of `tenant` from all three stores."""
        return await delete_tenant(self.context, valid_tenant(tenant))

    async def migrate(self) -> list[int]:
        """Create or upgrade the identification tables; the versions applied now."""
        return await self.context.database.migrate(MIGRATIONS)

    async def search(self, query: SearchQuery) -> SearchOutcome:
        return await self._search.search(query)

    async def match_and_search(self, query: MatchAndSearchQuery) -> MatchAndSearchOutcome:
        return await match_and_search(self.context, query)

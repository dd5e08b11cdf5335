"""`Identification`: the use cases of issue 4 over one `IdentificationContext`, for the service and tests."""

from __future__ import annotations

from libs.identification.context import IdentificationContext
from libs.identification.groups import Groups
from libs.identification.images import Images
from libs.identification.match_and_search import MatchAndSearchOutcome, MatchAndSearchQuery, match_and_search
from libs.identification.persons import Persons
from libs.identification.reconciler import Reconciler
from libs.identification.schema import MIGRATIONS
from libs.identification.search import Search, SearchOutcome, SearchQuery


class Identification:
    def __init__(self, ctx: IdentificationContext) -> None:
        self.context = ctx
        self.persons = Persons(ctx)
        self.groups = Groups(ctx)
        self.images = Images(ctx)
        self.reconciler = Reconciler(ctx)
        self._search = Search(ctx, self.persons, self.images)

    async def migrate(self) -> list[int]:
        """Create or upgrade the identification tables; the versions applied now."""
        return await self.context.database.migrate(MIGRATIONS)

    async def search(self, query: SearchQuery) -> SearchOutcome:
        return await self._search.search(query)

    async def match_and_search(self, query: MatchAndSearchQuery) -> MatchAndSearchOutcome:
        return await match_and_search(self.context, query)

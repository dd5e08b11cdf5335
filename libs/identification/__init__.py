"""Identification (1:N) without gRPC: persons, groups, their photos and descriptors, search.

Storage goes through `libs.stores.ports` only (SQL for the truth, objects for photos, a vector index for
descriptors); descriptors through the `DescriptorSource` port. See `writes.py` for how writes spanning the
three stores stay consistent and `reconciler.py` for what repairs them.
"""

from libs.identification.context import IdentificationConfig, IdentificationContext
from libs.identification.engine_source import EngineDescriptorSource
from libs.identification.facade import Identification
from libs.identification.match_and_search import (
    FaceWithPersons,
    ImageOutcome,
    MatchAndSearchImage,
    MatchAndSearchOutcome,
    MatchAndSearchQuery,
)
from libs.identification.reconciler import Reconciler, ReconcileReport
from libs.identification.records import (
    Group,
    GroupFields,
    Image,
    Page,
    PageRequest,
    Person,
    PersonChanges,
    PersonFields,
    PersonMatch,
    ResizeOptions,
    ScoredImage,
    Upload,
)
from libs.identification.schema import MIGRATIONS
from libs.identification.search import FaceMatches, NewPerson, SearchFilterSpec, SearchOutcome, SearchQuery
from libs.identification.tenants import TenantDeletion
from libs.usecases.ports import DescriptorSource, FetchedPhoto, PhotoFetcher

__all__ = [
    "MIGRATIONS",
    "DescriptorSource",
    "EngineDescriptorSource",
    "FaceMatches",
    "FaceWithPersons",
    "FetchedPhoto",
    "Group",
    "GroupFields",
    "Identification",
    "IdentificationConfig",
    "IdentificationContext",
    "Image",
    "ImageOutcome",
    "MatchAndSearchImage",
    "MatchAndSearchOutcome",
    "MatchAndSearchQuery",
    "NewPerson",
    "Page",
    "PageRequest",
    "Person",
    "PersonChanges",
    "PersonFields",
    "PersonMatch",
    "PhotoFetcher",
    "ReconcileReport",
    "Reconciler",
    "ResizeOptions",
    "ScoredImage",
    "SearchFilterSpec",
    "SearchOutcome",
    "SearchQuery",
    "TenantDeletion",
    "Upload",
]

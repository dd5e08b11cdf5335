"""`visage.client`: a typed Python client of Visage's REST API (`VisageClient`, `visage.client.rest`).

The answers are pydantic models (`visage.client.models`); failures raise `visage.client.errors` types, which
carry Regula's `OperationLog` (message, result code, metadata) and the HTTP status.
"""

from visage.client.errors import (
    ApiError,
    ApiUnreachableError,
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    VisageClientError,
)
from visage.client.models import (
    Detection,
    Face,
    FoundPerson,
    Group,
    Health,
    LivenessTransaction,
    Match,
    MatchPair,
    Page,
    Person,
    PersonImage,
    Readiness,
    SearchResult,
)
from visage.client.rest import ImageInput, MatchImage, VisageClient

__all__ = [
    "ApiError",
    "ApiUnreachableError",
    "BadRequestError",
    "Detection",
    "Face",
    "ForbiddenError",
    "FoundPerson",
    "Group",
    "Health",
    "ImageInput",
    "LivenessTransaction",
    "Match",
    "MatchImage",
    "MatchPair",
    "NotFoundError",
    "Page",
    "Person",
    "PersonImage",
    "RateLimitedError",
    "Readiness",
    "SearchResult",
    "ServerError",
    "UnauthorizedError",
    "VisageClient",
    "VisageClientError",
]

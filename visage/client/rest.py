"""`VisageClient`: Visage's REST API (the Regula Face SDK routes) from Python, with typed answers.

    with VisageClient("http://127.0.0.1:41101", api_key) as visage:
        faces = visage.detect(Path("photo.jpg")).results.detections

One method per route; each answer is a model of `visage.client.models`, each failure a `VisageClientError`
(`visage.client.errors`). Calls that change nothing, or change the same thing again when repeated (reads,
detect / match / search, PUT, DELETE), are sent again after a broken connection or a 502/503/504; every call
after a 429 (refused, so nothing was done: as `Retry-After` says) or a connection that never opened.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from visage.client.errors import (
    ApiError,
    ApiUnreachableError,
    RateLimitedError,
    ServerError,
    error_of,
)
from visage.client.models import (
    Detection,
    FoundPerson,
    Group,
    Health,
    Item,
    Json,
    LivenessTransaction,
    Match,
    Page,
    Person,
    PersonImage,
    Readiness,
    SearchResult,
)

ImageInput = bytes | os.PathLike[str]  # a photo's bytes, or its file
RETRIED_STATUSES = frozenset({502, 503, 504})
MAX_PAUSE_SECONDS = 30.0
_backoff = wait_exponential_jitter(multiplier=0.25, jitter=0.25, max=4.0)


@dataclass(frozen=True)
class MatchImage:
    """One image of `match`: a photo, or the portrait of a passed liveness transaction, and its source type
    (Regula ImageSource: 1 document printed, 2 document RFID, 3 live (the default), 4 external ...)."""

    image: ImageInput | None = None
    type: int = 3
    liveness_transaction_id: str | None = None
    detect_all: bool | None = None


def _b64(image: ImageInput) -> str:
    data = image if isinstance(image, bytes) else Path(image).read_bytes()
    return base64.b64encode(data).decode()


def _set(**fields: Any) -> Json:
    """The given body fields that are not None."""
    return {name: value for name, value in fields.items() if value is not None}


def _pause(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, ApiError) and error.retry_after is not None:
        return min(error.retry_after, MAX_PAUSE_SECONDS)
    return _backoff(state)


class VisageClient:
    """The REST API at `base_url` (the gateway, without `/api`), sending `api_key` as a Bearer token.

    `timeout` (seconds, or an `httpx.Timeout`) bounds each attempt; `retries` is how many times a failed
    call may be sent again (see the module's doc)."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:41101",
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = 60.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/", headers=headers, timeout=timeout, transport=transport
        )
        self.retries = retries

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VisageClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- the platform

    def health(self) -> Health:
        """The gateway's name and version (it answers; says nothing about the backends)."""
        return Health.model_validate(self._call("GET", "healthz").json())

    def readiness(self) -> Readiness:
        """Whether every backend serves; a 503 (not ready) is an answer here, not an error."""
        try:
            body = self._call("GET", "readyz", retry=False).json()
        except ServerError as error:
            if error.status != 503:
                raise
            return Readiness(ready=False, backends=error.metadata.get("backends", {}), message=error.message)
        return Readiness(ready=True, backends=body.get("backends", {}))

    # --- detect and match

    def detect(
        self, image: ImageInput, *, process_param: Json | None = None, tag: str | None = None
    ) -> Detection:
        """The faces of one photo; `process_param` asks for crops, quality checks or attributes (Regula
        ProcessParam, e.g. `{"attributes": {"config": [{"name": "Age"}]}}`)."""
        body = _set(image=_b64(image), processParam=process_param, tag=tag)
        return Detection.model_validate(self._call("POST", "detect", json=body).json())

    def match(self, images: Sequence[ImageInput | MatchImage], *, tag: str | None = None) -> Match:
        """Every pair of the images' faces (the central face of each unless `detect_all`)."""
        sent = []
        for index, item in enumerate(images):
            image = item if isinstance(item, MatchImage) else MatchImage(item)
            data = None if image.image is None else _b64(image.image)
            sent.append(
                _set(
                    index=index,
                    type=image.type,
                    data=data,
                    livenessTransactionId=image.liveness_transaction_id,
                    detectAll=image.detect_all,
                )
            )
        return Match.model_validate(self._call("POST", "match", json=_set(images=sent, tag=tag)).json())

    # --- groups

    def list_groups(self, page: int = 1, size: int = 1000) -> Page[Group]:
        return Page[Group].model_validate(self._get("groups", page=page, size=size))

    def create_group(self, name: str, metadata: Json | None = None) -> Group:
        answer = self._call("POST", "groups", json={"name": name, "metadata": metadata or {}}, retry=False)
        return Group.model_validate(answer.json())

    def get_group(self, group_id: str) -> Group:
        return Group.model_validate(self._get(f"groups/{group_id}"))

    def update_group(self, group_id: str, name: str, metadata: Json | None = None) -> None:
        self._call("PUT", f"groups/{group_id}", json={"name": name, "metadata": metadata or {}})

    def delete_group(self, group_id: str) -> None:
        self._call("DELETE", f"groups/{group_id}")

    def list_group_persons(self, group_id: str, page: int = 1, size: int = 1000) -> Page[Person]:
        return Page[Person].model_validate(self._get(f"groups/{group_id}/persons", page=page, size=size))

    def update_group_persons(
        self, group_id: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Put persons into the group and take others out (by id)."""
        body = {"addItems": list(add), "removeItems": list(remove)}
        self._call("PUT", f"groups/{group_id}/persons", json=body)

    # --- persons and their photos

    def create_person(
        self,
        name: str,
        *,
        groups: Sequence[str] = (),
        metadata: Json | None = None,
        external_id: str | None = None,
        expire_at: str | None = None,
    ) -> Person:
        """A new person (no photo yet), in the groups given by id; `expire_at` ISO 8601."""
        body = _set(
            name=name,
            groups=list(groups),
            metadata=metadata or {},
            externalId=external_id,
            expireAt=expire_at,
        )
        return Person.model_validate(self._call("POST", "persons", json=body, retry=False).json())

    def get_person(self, person_id: str) -> Person:
        return Person.model_validate(self._get(f"persons/{person_id}"))

    def update_person(
        self,
        person_id: str,
        *,
        name: str | None = None,
        external_id: str | None = None,
        metadata: Json | None = None,
        groups: Sequence[str] | None = None,
    ) -> None:
        """Change the given fields; the others stay."""
        body = _set(
            name=name,
            externalId=external_id,
            metadata=metadata,
            groups=None if groups is None else list(groups),
        )
        self._call("PUT", f"persons/{person_id}", json=body)

    def delete_person(self, person_id: str) -> None:
        """The person and its photos."""
        self._call("DELETE", f"persons/{person_id}")

    def list_person_groups(self, person_id: str, page: int = 1, size: int = 1000) -> Page[Group]:
        return Page[Group].model_validate(self._get(f"persons/{person_id}/groups", page=page, size=size))

    def add_person_image(
        self,
        person_id: str,
        image: ImageInput | None = None,
        *,
        image_url: str | None = None,
        content_type: str | None = None,
    ) -> PersonImage:
        """Enrol a photo (its bytes or file, or an `image_url` the server fetches); it must show a face."""
        upload = _set(
            content=None if image is None else _b64(image), imageUrl=image_url, contentType=content_type
        )
        answer = self._call("POST", f"persons/{person_id}/images", json={"image": upload}, retry=False)
        return PersonImage.model_validate(answer.json())

    def list_person_images(self, person_id: str, page: int = 1, size: int = 1000) -> Page[PersonImage]:
        return Page[PersonImage].model_validate(
            self._get(f"persons/{person_id}/images", page=page, size=size)
        )

    def get_person_image(self, person_id: str, image_id: str) -> bytes:
        """The photo as it was enrolled (`NotFoundError` for one that came by `image_url`: not kept)."""
        return self._call("GET", f"persons/{person_id}/images/{image_id}").content

    def delete_person_image(self, person_id: str, image_id: str) -> None:
        self._call("DELETE", f"persons/{person_id}/images/{image_id}")

    # --- search and liveness

    def search(
        self,
        image: ImageInput,
        *,
        group_ids: Sequence[str] = (),
        limit: int | None = None,
        threshold: float | None = None,
        filter: Json | None = None,  # Regula's name
        create_person: Json | None = None,
        detect_all: bool | None = None,
        with_images: bool = False,
    ) -> SearchResult:
        """The persons the photo's face matches, nearest first (in `group_ids`, default everyone); without
        `threshold` the server's, which follows the gallery's size. `create_person` (`{"name", "metadata",
        "ttl"}`) makes a person of the photo when nobody matches."""
        body = _set(
            image={"content": _b64(image)},
            groupIds=list(group_ids),
            limit=limit,
            threshold=threshold,
            filter=filter,
            createPerson=create_person,
            detectAll=detect_all,
        )
        params = {"withImages": "true"} if with_images else None
        answer = self._call("POST", "search", params=params, json=body, retry=create_person is None)
        if answer.status_code == 201:  # nobody matched: the person made of the probe, alone
            return SearchResult(created_person=FoundPerson.model_validate(answer.json()))
        return SearchResult.model_validate(answer.json())

    def liveness_transaction(self, transaction_id: str) -> LivenessTransaction:
        """A liveness check's result (started by `<visage-liveness>` or a native client)."""
        return LivenessTransaction.model_validate(self._get("v2/liveness", transactionId=transaction_id))

    # --- paging and calling

    def every(self, list_page: Callable[..., Page[Item]], *args: Any, size: int = 1000) -> list[Item]:
        """Every item of a list method, page after page: `client.every(client.list_group_persons, gid)`."""
        items: list[Item] = []
        page = 1
        while True:
            answer = list_page(*args, page=page, size=size)
            items += answer.items
            if page >= answer.total_pages:
                return items
            page += 1

    def _get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params or None).json()

    def _call(
        self,
        method: str,
        path: str,
        *,
        retry: bool = True,
        params: Json | None = None,
        json: Json | None = None,
    ) -> httpx.Response:
        """The successful answer (retried as the module's doc says; `retry` False for calls that would do
        their work twice)."""

        def may_retry(error: BaseException) -> bool:
            if isinstance(error, RateLimitedError) or (
                isinstance(error, ApiUnreachableError) and not error.request_sent
            ):
                return True
            if isinstance(error, ServerError):
                return retry and error.status in RETRIED_STATUSES
            return retry and isinstance(error, ApiUnreachableError)

        retrying = Retrying(
            stop=stop_after_attempt(1 + self.retries),
            wait=_pause,
            retry=retry_if_exception(may_retry),
            reraise=True,
        )
        return retrying(self._send, method, path, params, json)

    def _send(self, method: str, path: str, params: Json | None, json: Json | None) -> httpx.Response:
        try:
            answer = self._http.request(method, path, params=params, json=json)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise ApiUnreachableError(
                f"cannot reach the API at {self.base_url}: {error}", request_sent=False
            ) from error
        except httpx.TransportError as error:
            raise ApiUnreachableError(
                f"{method} {self._http.base_url.path}{path}: no answer: {error or type(error).__name__}",
                request_sent=True,
            ) from error
        if not answer.is_success:
            raise error_of(answer)
        return answer

"""Proto ↔ domain for Search and MatchAndSearch."""

from __future__ import annotations

from visage.identification.v1 import match_and_search_pb2, search_pb2

from libs.errors import FaceSDKResultCode
from libs.identification import (
    MatchAndSearchImage,
    MatchAndSearchOutcome,
    MatchAndSearchQuery,
    NewPerson,
    PersonMatch,
    SearchFilterSpec,
    SearchOutcome,
    SearchQuery,
)
from libs.usecases import FaceFinding
from libs.usecases.detect import DETECTOR_TYPE, LANDMARKS_TYPE
from services.common.mapping import comparison_results, crop_request, points
from services.identification.mapping import metadata_of, optional, person_parts, recognize_image, upload


def search_query(request: search_pb2.SearchRequest) -> SearchQuery:
    parameters = request.parameters
    create = None
    if parameters.HasField("create_person"):
        spec = parameters.create_person
        create = NewPerson(spec.name, metadata_of(spec) or {}, optional(spec, "ttl"))
    search_filter = None
    if parameters.HasField("filter"):
        spec_filter = parameters.filter
        search_filter = SearchFilterSpec(spec_filter.op, spec_filter.field, tuple(spec_filter.value))
    return SearchQuery(
        image=upload(parameters.image),
        group_ids=tuple(parameters.group_ids),
        threshold=optional(parameters, "threshold"),
        limit=optional(parameters, "limit"),
        filter=search_filter,
        detect_all=bool(optional(parameters, "detect_all")),
        with_images=request.with_images,
        create_person=create,
        crop=crop_request(parameters.output_image_params),
    )


def search_response(outcome: SearchOutcome, version_sdk: str) -> search_pb2.SearchResponse:
    if outcome.created is not None:
        central = outcome.faces[0].face
        created = _search_person(outcome.created, _detection(central, outcome.image_hash, version_sdk))
        return search_pb2.SearchResponse(code=FaceSDKResultCode.FACER_OK, created_person=created)
    persons = [
        _search_person(match, _detection(face.face, outcome.image_hash, version_sdk))
        for face in outcome.faces
        for match in face.persons
    ]
    return search_pb2.SearchResponse(code=FaceSDKResultCode.FACER_OK, persons=persons)


def _detection(face: FaceFinding, image_hash: str, version_sdk: str) -> search_pb2.SearchDetection:
    return search_pb2.SearchDetection(
        code=FaceSDKResultCode.FACER_OK,
        crop=face.crop,
        detector_type=DETECTOR_TYPE,
        hash=image_hash,
        idx=face.face_index,
        landmarks=points(face.landmarks),
        landmarks_type=LANDMARKS_TYPE,
        msg=FaceSDKResultCode.FACER_OK.name,
        roi=face.roi,
        version_sdk=version_sdk,
    )


def _search_person(match: PersonMatch, detection: search_pb2.SearchDetection) -> search_pb2.SearchPerson:
    return search_pb2.SearchPerson(
        **person_parts(match.person),
        detection=detection,
        images=[recognize_image(scored) for scored in match.images],
    )


def match_and_search_query(request: match_and_search_pb2.MatchAndSearchRequest) -> MatchAndSearchQuery:
    images = tuple(
        MatchAndSearchImage(
            content=image.content,
            image_url=image.image_url,
            type=optional(image, "type"),
            liveness_transaction_id=optional(image, "liveness_transaction_id"),
        )
        for image in request.images
    )
    return MatchAndSearchQuery(
        images=images,
        group_ids=tuple(request.group_ids),
        threshold=optional(request, "threshold"),
        limit=optional(request, "limit"),
    )


def match_and_search_response(outcome: MatchAndSearchOutcome) -> match_and_search_pb2.MatchAndSearchResponse:
    detections = [
        match_and_search_pb2.MatchAndSearchDetection(
            faces=[
                match_and_search_pb2.MatchAndSearchFace(
                    face_index=face.face.face_index,
                    landmarks=points(face.face.landmarks),
                    rotation_angle=face.face.rotation_angle,
                    roi=face.face.roi,
                    persons=[_person_with_images(match) for match in face.persons],
                )
                for face in image.faces
            ],
            image_index=image.image_index,
            status=image.status,
        )
        for image in outcome.detections
    ]
    return match_and_search_pb2.MatchAndSearchResponse(
        code=FaceSDKResultCode.FACER_OK,
        results=comparison_results(outcome.results),
        elapsed_time=outcome.elapsed_ms,
        detections=detections,
    )


def _person_with_images(match: PersonMatch) -> match_and_search_pb2.PersonWithImages:
    return match_and_search_pb2.PersonWithImages(
        **person_parts(match.person), images=[recognize_image(scored) for scored in match.images]
    )

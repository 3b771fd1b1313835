"""Public projections: what anyone may see of an entity.

The change log stores these, the feed sends them to anonymous and partner subscribers, and the publisher
and the API's public fields agree with them. None of them reads a personal table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.ids import to_global_id
from domain.model import Address, Agency, Enterprise, Jurisdiction, Notice


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def agency_projection(a: Agency) -> dict[str, Any]:
    return {
        "id": to_global_id("Agency", a.id),
        "uscc": a.uscc,
        "name": a.name,
        "role": a.role,
        "kind": a.kind,
        "jurisdictionCode": a.jurisdiction_code,
        "status": a.status,
        "registeredOn": _d(a.registered_on),
        "serviceEndedOn": _d(a.service_ended_on),
        "latestGrade": a.latest_grade,
        "latestGradeYear": a.latest_grade_year,
        "version": a.version,
    }


def address_projection(a: Address, key_industries: list[str] | None = None) -> dict[str, Any]:
    industries = key_industries if key_industries is not None else [k.industry for k in a.key_industries]
    return {
        "id": to_global_id("Address", a.id),
        "code": a.code,
        "jurisdictionCode": a.jurisdiction_code,
        "agencyId": to_global_id("Agency", a.agency_id),
        "hostUnitId": to_global_id("Agency", a.host_unit_id) if a.host_unit_id else None,
        "kind": a.kind,
        "addressText": a.address_text,
        "building": a.building,
        "room": a.room,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "premisesBasis": a.premises_basis,
        "capacity": a.capacity,
        "occupied": a.occupied,
        "freePlaces": max(a.capacity - a.occupied, 0),
        "keyIndustries": sorted(industries),
        "status": a.status,
        "statusChangedOn": _d(a.status_changed_on),
        "publishedOn": _d(a.published_on),
        "plannedExitOn": _d(a.planned_exit_on),
        "version": a.version,
    }


def enterprise_projection(e: Enterprise) -> dict[str, Any]:
    return {
        "id": to_global_id("Enterprise", e.id),
        "uscc": e.uscc,
        "name": e.name,
        "kind": e.kind,
        "industryCode": e.industry_code,
        "addressId": to_global_id("Address", e.address_id),
        "jurisdictionCode": e.jurisdiction_code,
        "registeredAddress": e.registered_address,
        "registeredOn": _d(e.registered_on),
        "movedOutOn": _d(e.moved_out_on),
        "deregisteredOn": _d(e.deregistered_on),
        "businessSuspendedOn": _d(e.business_suspended_on),
        "status": e.status,
        "abnormalSince": _d(e.abnormal_since),
        "abnormalReason": e.abnormal_reason,
        "version": e.version,
    }


def notice_projection(n: Notice) -> dict[str, Any]:
    return {
        "id": to_global_id("Notice", n.id),
        "kind": n.kind,
        "jurisdictionCode": n.jurisdiction_code,
        "subjectId": to_global_id(n.subject_kind, n.subject_id) if n.subject_kind and n.subject_id else None,
        "title": n.title,
        "titleEn": n.title_en,
        "body": n.body,
        "bodyEn": n.body_en,
        "legalBasis": n.legal_basis,
        "publishedOn": _d(n.published_on),
        "deadlineOn": _d(n.deadline_on),
        "deadlineEstimated": n.deadline_estimated,
        "status": n.status,
        "withdrawnOn": _d(n.withdrawn_on),
        "withdrawalReason": n.withdrawal_reason,
        "version": n.version,
    }


def jurisdiction_projection(j: Jurisdiction) -> dict[str, Any]:
    return {
        "id": to_global_id("Jurisdiction", j.code),
        "code": j.code,
        "nameZh": j.name_zh,
        "nameEn": j.name_en,
        "parentCode": j.parent_code,
        "level": j.level,
        "rulePack": j.rule_pack,
        "licenceAnnotation": j.licence_annotation,
    }


def projection_of(entity: object) -> tuple[str, str, str | None, dict[str, Any]]:
    """``(kind, global id, jurisdiction code, projection)`` for any entity the change log records."""
    match entity:
        case Address():
            return "Address", to_global_id("Address", entity.id), entity.jurisdiction_code, address_projection(entity)
        case Agency():
            return "Agency", to_global_id("Agency", entity.id), entity.jurisdiction_code, agency_projection(entity)
        case Enterprise():
            p = enterprise_projection(entity)
            return "Enterprise", p["id"], entity.jurisdiction_code, p
        case Notice():
            return "Notice", to_global_id("Notice", entity.id), entity.jurisdiction_code, notice_projection(entity)
        case Jurisdiction():
            return (
                "Jurisdiction",
                to_global_id("Jurisdiction", entity.code),
                entity.code,
                jurisdiction_projection(entity),
            )
    raise TypeError(f"no projection for {type(entity).__name__}")

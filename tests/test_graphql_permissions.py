"""The role matrix: every role against every field holding personal or ledger data and every mutation,
inside and outside its scope.

Mutations are probed with inputs the command refuses once authorised (a stale expectedVersion, an
invalid value): an authorised call answers with ``userErrors``, a refused one with FORBIDDEN, and
neither writes anything — which the change log confirms at the end.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from domain.ids import to_global_id
from domain.model import ChangeLogEntry, IdempotencyRecord, Notice
from tests.graphql_support import OTHER_ID, PERSON_ID, Api, World

KEYED_ROLES = ("partner", "agency", "agency-tongzhou", "regulator", "regulator-beijing", "regulator-tongzhou",
               "regulator-wuxi", "admin")  # fmt: skip
CALLERS = ("anonymous", *KEYED_ROLES)
# Which places each caller governs (regulators) or holds (agencies).
REGULATES = {"regulator": {"daxing"}, "regulator-beijing": {"daxing", "tongzhou"},
             "regulator-tongzhou": {"tongzhou"}, "regulator-wuxi": {"wuxi"}}  # fmt: skip
HOLDS = {"agency": {"daxing"}, "agency-tongzhou": {"tongzhou"}}
PLACES = ("daxing", "tongzhou", "wuxi")

AGENCY_FIELDS = """personal { legalRepresentativeName legalRepresentativeIdNumber liaisonName liaisonPhone }
  filing { establishedOn } creditFacts { kind } quarterlyReports { year } contactLogs(first: 5) { totalCount }
  findings(first: 5) { totalCount }"""
ENTERPRISE_FIELDS = """personal { legalRepresentativeName legalRepresentativeIdNumber contactPerson contactPhone
  liaisonName liaisonPhone } details { businessScope } annualReports { year } findings { kind }"""
ADDRESS_FIELDS = "premises { tenure } findings(first: 5) { totalCount }"


def insider(caller: str, place: str) -> bool:
    return place in REGULATES.get(caller, set()) | HOLDS.get(caller, set())


async def test_personal_and_ledger_fields_by_role_and_scope(api: Api, world: World) -> None:
    query = f"""query($a: ID!, $e: ID!, $d: ID!) {{
      agency: node(id: $a) {{ ... on Agency {{ name {AGENCY_FIELDS} }} }}
      enterprise: node(id: $e) {{ ... on Enterprise {{ name {ENTERPRISE_FIELDS} }} }}
      address: node(id: $d) {{ ... on Address {{ code {ADDRESS_FIELDS} }} }}
    }}"""
    restricted = {
        "agency": ("personal", "filing", "creditFacts", "quarterlyReports", "contactLogs", "findings"),
        "enterprise": ("personal", "details", "annualReports", "findings"),
        "address": ("premises", "findings"),
    }
    checked = 0
    for place in PLACES:
        variables = {
            "a": world.gid("Agency", place),
            "e": world.gid("Enterprise", f"{place}-e1"),
            "d": world.gid("Address", f"{place}-1"),
        }
        for caller in CALLERS:
            body = await api.run(query, variables, as_=caller)
            data = body["data"]
            forbidden = {tuple(e["path"]) for e in body.get("errors", []) if e["extensions"]["code"] == "FORBIDDEN"}
            assert all(e["extensions"]["code"] == "FORBIDDEN" for e in body.get("errors", [])), body["errors"]
            allowed = insider(caller, place)
            for subject, fields in restricted.items():
                assert data[subject]["name" if subject != "address" else "code"], (caller, place, subject)
                for f in fields:
                    checked += 1
                    if allowed:
                        assert data[subject][f] is not None, (caller, place, subject, f)
                        assert (subject, f) not in forbidden
                    else:
                        assert data[subject][f] is None, (caller, place, subject, f)
                        assert (subject, f) in forbidden, (caller, place, subject, f)
            if allowed:
                assert data["agency"]["personal"]["liaisonPhone"].startswith("13")
                assert data["enterprise"]["personal"]["legalRepresentativeIdNumber"] in (PERSON_ID, world_id(place))
    assert checked == len(PLACES) * len(CALLERS) * 12
    assert api.public_responses >= 2 * len(PLACES)


def world_id(place: str) -> str:
    return OTHER_ID if place == "wuxi" else PERSON_ID


async def test_an_agency_sees_the_personal_data_of_the_enterprises_it_hosts_only(api: Api, world: World) -> None:
    query = """{ addresses(first: 20) { nodes { code
                 enterprises(first: 10) { nodes { name personal { contactPhone } } } } } }"""
    body = await api.run(query, as_="agency")
    hosted = {e["name"]: e["personal"] for a in body["data"]["addresses"]["nodes"] for e in a["enterprises"]["nodes"]}
    assert hosted["北京星河数字科技有限公司"] == {"contactPhone": "13700001111"}
    assert hosted["北京运河数据服务有限公司"] is None
    assert hosted["无锡春笋信息技术有限公司"] is None


async def _notice_ids(sessionmaker: Any, world: World) -> dict[str, str]:
    async with sessionmaker() as s:
        rows = (await s.execute(select(Notice.id, Notice.subject_id).where(Notice.subject_kind == "Address"))).all()
    by_address = {subject: nid for nid, subject in rows}
    return {place: to_global_id("Notice", by_address[world.addresses[f"{place}-1"]]) for place in PLACES}


def _mutations(world: World, notices: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    """(name, kind of permission, document, variables for a place)."""
    stale = 999

    def agency(p: str) -> str:
        return world.gid("Agency", p)

    def address(p: str) -> str:
        return world.gid("Address", f"{p}-1")

    def enterprise(p: str) -> str:
        return world.gid("Enterprise", f"{p}-e1")

    codes = {"daxing": "110115", "tongzhou": "110112", "wuxi": "320205"}

    def m(name: str, input_type: str, payload: str = "userErrors { code }") -> str:
        return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {payload} }} }}"

    return [
        ("registerAgency", "regulator", m("registerAgency", "RegisterAgencyInput"), lambda p: {
            "uscc": "bad", "name": "x", "role": "HOSTING_AGENCY", "kind": "MAKER_SPACE", "jurisdictionCode": codes[p]}),
        ("suspendAgency", "regulator", m("suspendAgency", "AgencyReasonInput"),
         lambda p: {"agencyId": agency(p), "reason": "检查", "expectedVersion": stale}),
        ("reinstateAgency", "regulator", m("reinstateAgency", "AgencyChangeInput"),
         lambda p: {"agencyId": agency(p), "expectedVersion": stale}),
        ("disqualifyAgency", "regulator", m("disqualifyAgency", "AgencyReasonInput"),
         lambda p: {"agencyId": agency(p), "reason": "检查", "expectedVersion": stale}),
        ("beginAgencyTermination", "agency", m("beginAgencyTermination", "AgencyChangeInput"),
         lambda p: {"agencyId": agency(p), "expectedVersion": stale}),
        ("terminateAgency", "regulator", m("terminateAgency", "AgencyChangeInput"),
         lambda p: {"agencyId": agency(p), "expectedVersion": stale}),
        ("recordCreditFact", "regulator", m("recordCreditFact", "RecordCreditFactInput"), lambda p: {
            "agencyId": agency(p),
            "fact": {"subject": "AGENCY", "kind": "ABNORMAL_LIST", "listedOn": "2025-05-01",
                     "removedOn": "2025-01-01"}}),
        ("recordQuarterlyReport", "agency", m("recordQuarterlyReport", "RecordQuarterlyReportInput"),
         lambda p: {"agencyId": agency(p), "year": 2025, "quarter": 5}),
        ("recordContactLog", "agency", m("recordContactLog", "RecordContactLogInput"), lambda p: {
            "agencyId": agency(p), "enterpriseId": enterprise(p), "contactedOn": "2099-01-01", "method": "phone",
            "reached": True}),
        ("fileAddress", "agency", m("fileAddress", "FileAddressInput"), lambda p: {
            "agencyId": agency(p), "jurisdictionCode": codes[p], "kind": "CLUSTER_REGISTRATION",
            "addressText": "某路1号",
            "premisesBasis": "TITLE_DEED", "tenure": "OWNED", "residential": False, "planningApproved": True,
            "lawfulAndSafe": True, "standardised": True, "capacity": 0}),
        *[
            (name, "regulator", m(name, "AddressChangeInput"),
             lambda p: {"addressId": address(p), "expectedVersion": stale})
            for name in ("approveAddress", "publishAddress", "reinstateAddress", "completeAddressExit")
        ],
        *[
            (name, "regulator", m(name, "AddressReasonInput"),
             lambda p: {"addressId": address(p), "reason": "检查", "expectedVersion": stale})
            for name in ("suspendAddress", "cancelAddress")
        ],
        ("beginAddressExit", "agency", m("beginAddressExit", "BeginAddressExitInput"), lambda p: {
            "addressId": address(p), "plannedExitOn": "2099-01-01", "reason": "到期", "expectedVersion": stale}),
        ("registerEnterprise", "agency", m("registerEnterprise", "RegisterEnterpriseInput"), lambda p: {
            "addressId": address(p), "uscc": "bad", "name": "x", "kind": "COMPANY", "industryCode": "6510"}),
        ("moveOutEnterprise", "agency", m("moveOutEnterprise", "MoveOutEnterpriseInput"),
         lambda p: {"enterpriseId": enterprise(p), "expectedVersion": stale}),
        ("deregisterEnterprise", "regulator", m("deregisterEnterprise", "DeregisterEnterpriseInput"),
         lambda p: {"enterpriseId": enterprise(p), "expectedVersion": stale}),
        ("listEnterpriseAbnormal", "regulator", m("listEnterpriseAbnormal", "ListAbnormalInput"),
         lambda p: {"enterpriseId": enterprise(p), "reason": "UNCONTACTABLE", "expectedVersion": stale}),
        ("removeEnterpriseAbnormal", "regulator", m("removeEnterpriseAbnormal", "EnterpriseChangeInput"),
         lambda p: {"enterpriseId": enterprise(p), "expectedVersion": stale}),
        ("recordTaxFiling", "regulator", m("recordTaxFiling", "RecordTaxFilingInput"),
         lambda p: {"enterpriseId": enterprise(p), "filedOn": "2099-01-01"}),
        ("recordAnnualReport", "regulator", m("recordAnnualReport", "RecordAnnualReportInput"),
         lambda p: {"enterpriseId": enterprise(p), "year": 1980}),
        ("recordEnterpriseFinding", "regulator", m("recordEnterpriseFinding", "RecordEnterpriseFindingInput"),
         lambda p: {"enterpriseId": enterprise(p), "kind": "COMPLAINT", "foundOn": "2099-01-01"}),
        ("createNotice", "regulator", m("createNotice", "CreateNoticeInput"), lambda p: {
            "kind": "OTHER", "jurisdictionCode": codes[p], "title": "", "titleEn": "x", "body": "x", "bodyEn": "x",
            "legalBasis": "x"}),
        ("withdrawNotice", "regulator", m("withdrawNotice", "WithdrawNoticeInput"),
         lambda p: {"noticeId": notices[p], "reason": "更正", "expectedVersion": stale}),
        ("runSupervision", "regulator", m("runSupervision", "RunSupervisionInput"),
         lambda p: {"jurisdictionCode": codes[p], "asOf": "2099-01-01"}),
        ("rateWuxiAgency", "regulator", m("rateWuxiAgency", "RateAgencyInput"),
         lambda p: {"agencyId": agency(p), "year": 2099}),
        ("rateWuxiAgencies", "regulator", m("rateWuxiAgencies", "RateAgenciesInput"),
         lambda p: {"jurisdictionCode": codes[p], "year": 2099}),
        ("computeTongzhouIndicators", "regulator", m("computeTongzhouIndicators", "IndicatorsInput"),
         lambda p: {"jurisdictionCode": codes[p], "asOf": "2099-01-01"}),
        ("evaluateDemonstrationBase", "regulator", m("evaluateDemonstrationBase", "DemonstrationBaseInput"), lambda p: {
            "agencyId": agency(p), "applicationDeadline": "2025-06-30", "establishedOn": "2020-01-01",
            "totalFloorAreaM2": -1, "publicServiceAreaM2": 0, "residentSmallMicroEnterprises": 0,
            "leadingIndustryEnterprises": 0, "staffWithDegreeOrTitle": 0, "staffWithDegreeAndTitle": 0,
            "satisfaction": 0.9, "serviceFunctions": []}),
        ("createApiKey", "admin", m("createApiKey", "CreateApiKeyInput"), lambda p: {"name": "", "role": "PARTNER"}),
        ("revokeApiKey", "admin", m("revokeApiKey", "RevokeApiKeyInput"), lambda p: {"prefix": "nonexistent"}),
        ("createJurisdiction", "admin", m("createJurisdiction", "CreateJurisdictionInput"), lambda p: {
            "code": "990000", "nameZh": "x", "nameEn": "x", "rulePack": "BJ", "licenceAnnotation": "集群注册"}),
    ]  # fmt: skip


def allowed(kind: str, caller: str, place: str) -> bool:
    if kind == "admin":
        return caller == "admin"
    if place in REGULATES.get(caller, set()):
        return True
    return kind == "agency" and place in HOLDS.get(caller, set())


async def test_every_mutation_by_every_role_inside_and_outside_its_scope(
    api: Api, world: World, sessionmaker: Any
) -> None:
    notices = await _notice_ids(sessionmaker, world)
    async with sessionmaker() as s:
        before = (await s.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one()
    mutations = _mutations(world, notices)
    declared = (await api.data("{ __schema { mutationType { fields { name } } } }"))["__schema"]["mutationType"]
    assert {f["name"] for f in declared["fields"]} == {name for name, *_ in mutations}
    probes = 0
    for name, kind, document, variables in mutations:
        for place in ("daxing", "wuxi"):
            for caller in CALLERS:
                body = await api.run(document, {"input": variables(place)}, as_=caller)
                payload = body["data"][name]
                if allowed(kind, caller, place):
                    assert "errors" not in body, (name, caller, place, body.get("errors"))
                    assert payload["userErrors"], (name, caller, place)
                    assert all(e["code"] != "FORBIDDEN" for e in payload["userErrors"])
                else:
                    assert payload is None, (name, caller, place, payload)
                    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (name, caller, place, body)
                    assert body["errors"][0]["path"] == [name]
                probes += 1
    assert probes == len(mutations) * 2 * len(CALLERS)
    async with sessionmaker() as s:
        after = (await s.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one()
        stored = (await s.execute(select(func.count()).select_from(IdempotencyRecord))).scalar_one()
    assert after == before and stored == 0


async def test_only_admins_list_keys(api: Api, world: World) -> None:
    query = "{ apiKeys(first: 50) { totalCount nodes { prefix role name revokedAt } } }"
    for caller in CALLERS:
        body = await api.run(query, as_=caller)
        if caller == "admin":
            assert body["data"]["apiKeys"]["totalCount"] == len(KEYED_ROLES)
            assert "token" not in str(body).lower().replace("tokens", "")
        else:
            assert body["data"]["apiKeys"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bad_key_is_refused_not_treated_as_anonymous(api: Api, world: World) -> None:
    for header in ("Bearer jq_deadbeef_nope", "Basic dXNlcjpwYXNz", "Bearer "):
        response = await api.client.post(
            "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

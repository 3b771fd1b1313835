"""Mutations end to end: the lifecycle through the API, userErrors for refusals (rule findings with their
articles), optimistic concurrency, idempotency keys, and the admin mutations."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from domain.model import Address, ChangeLogEntry, Enterprise, IdempotencyRecord
from tests import factories
from tests.graphql_support import PERSON_ID, Api, World

FILE = """mutation($input: FileAddressInput!) {
  fileAddress(input: $input) {
    address { id code status version } userErrors { code field message messageZh rule article severity } replayed
  }
}"""
CHANGE = """mutation($input: AddressChangeInput!) {
  %s(input: $input) { address { status version publishedOn } userErrors { code field message messageZh } }
}"""
REGISTER = """mutation($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) {
    enterprise { id uscc status version registeredAddress personal { contactPhone legalRepresentativeIdNumber } }
    userErrors { code field message } replayed
  }
}"""


def file_input(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "agencyId": world.gid("Agency", "daxing"),
        "jurisdictionCode": "110115",
        "kind": "CLUSTER_REGISTRATION",
        "addressText": "北京市大兴区金星路18号",
        "premisesBasis": "TITLE_DEED",
        "tenure": "OWNED",
        "residential": False,
        "planningApproved": True,
        "lawfulAndSafe": True,
        "standardised": True,
        "capacity": 5,
        "latitude": 39.73,
        "longitude": 116.33,
        "floorAreaM2": 800.0,
        "keyIndustries": ["DIGITAL_ECONOMY"],
        **overrides,
    }


async def _count(sessionmaker: Any, model: Any) -> int:
    async with sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_an_address_from_filing_to_its_first_enterprise(api: Api, world: World) -> None:
    filed = (await api.data(FILE, {"input": file_input(world)}, as_="agency"))["fileAddress"]
    assert filed["userErrors"] == [] and filed["address"]["status"] == "APPLIED"
    address_id, version = filed["address"]["id"], filed["address"]["version"]

    approved = await api.data(
        CHANGE % "approveAddress", {"input": {"addressId": address_id, "expectedVersion": version}}, as_="regulator"
    )
    assert approved["approveAddress"]["address"]["status"] == "FILED"
    published = await api.data(
        CHANGE % "publishAddress",
        {"input": {"addressId": address_id, "expectedVersion": approved["approveAddress"]["address"]["version"]}},
        as_="regulator-beijing",
    )
    assert published["publishAddress"]["address"]["status"] == "PUBLISHED"
    assert published["publishAddress"]["address"]["publishedOn"] is not None

    uscc = factories.make_uscc()
    registered = await api.data(
        REGISTER,
        {
            "input": {
                "addressId": address_id,
                "uscc": uscc,
                "name": "北京金星数字科技有限公司",
                "kind": "COMPANY",
                "industryCode": "6510",
                "personal": {"legalRepresentativeName": "吴海", "legalRepresentativeIdNumber": PERSON_ID,
                             "contactPhone": "13655556666"},
            }
        },
        as_="agency",
    )  # fmt: skip
    enterprise = registered["registerEnterprise"]["enterprise"]
    assert enterprise["uscc"] == uscc and enterprise["registeredAddress"].startswith("北京市大兴区金星路18号")
    assert enterprise["personal"] == {"contactPhone": "13655556666", "legalRepresentativeIdNumber": PERSON_ID}

    public = await api.data(
        """query($id: ID!) { node(id: $id) { ... on Address { status freePlaces notices { kind }
             enterprises { nodes { uscc name } } } } }""",
        {"id": address_id},
    )
    node = public["node"]
    assert node["freePlaces"] == 4 and node["enterprises"]["nodes"] == [
        {"uscc": uscc, "name": "北京金星数字科技有限公司"}
    ]
    assert [n["kind"] for n in node["notices"]] == ["ADDRESS_PUBLISHED"]

    moved = await api.data(
        """mutation($input: MoveOutEnterpriseInput!) { moveOutEnterprise(input: $input) {
             enterprise { status movedOutOn address { freePlaces } } userErrors { code } } }""",
        {"input": {"enterpriseId": enterprise["id"], "expectedVersion": enterprise["version"]}},
        as_="agency",
    )
    assert moved["moveOutEnterprise"]["enterprise"]["status"] == "MOVED_OUT"
    assert moved["moveOutEnterprise"]["enterprise"]["address"]["freePlaces"] == 5


async def test_a_stale_version_is_refused_with_both_languages(api: Api, world: World, sessionmaker: Any) -> None:
    before = await _count(sessionmaker, ChangeLogEntry)
    body = await api.data(
        CHANGE % "suspendAddress".replace("suspendAddress", "approveAddress"),
        {"input": {"addressId": world.gid("Address", "daxing-pending"), "expectedVersion": 7}},
        as_="regulator",
    )
    result = body["approveAddress"]
    assert result["address"] is None
    assert result["userErrors"][0]["code"] == "STALE_VERSION"
    assert result["userErrors"][0]["field"] == "expectedVersion"
    assert "版本" in result["userErrors"][0]["messageZh"]
    assert await _count(sessionmaker, ChangeLogEntry) == before


async def test_a_rule_refusal_lists_every_finding_with_its_article(api: Api, world: World, sessionmaker: Any) -> None:
    addresses = await _count(sessionmaker, Address)
    lease_end = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    body = await api.data(FILE, {"input": file_input(world, tenure="LEASED", leaseEnd=lease_end)}, as_="agency")
    result = body["fileAddress"]
    assert result["address"] is None
    errors = result["userErrors"]
    refusals = [e for e in errors if e["code"] == "RULE_REFUSED"]
    assert refusals, errors
    assert any(e["rule"] == "DX-4.1" and e["article"] == "DX Art.4(1)" for e in refusals)
    assert all(e["rule"] and e["article"] and e["messageZh"] and e["severity"] for e in errors)
    assert await _count(sessionmaker, Address) == addresses


async def test_invalid_input_and_invalid_ids_are_user_errors(api: Api, world: World) -> None:
    body = await api.data(FILE, {"input": file_input(world, agencyId="QWdlbmN5OnM=")}, as_="regulator")
    assert body["fileAddress"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert body["fileAddress"]["userErrors"][0]["field"] == "agencyId"
    body = await api.data(FILE, {"input": file_input(world, capacity=-3)}, as_="regulator")
    assert body["fileAddress"]["userErrors"][0]["field"] == "capacity"
    body = await api.data(
        CHANGE % "approveAddress",
        {"input": {"addressId": world.gid("Enterprise", "daxing-e1"), "expectedVersion": 1}},
        as_="regulator",
    )
    assert body["approveAddress"]["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_an_idempotency_key_returns_the_first_result_without_a_second_effect(
    api: Api, world: World, sessionmaker: Any
) -> None:
    address = world.gid("Address", "daxing-2")
    variables = {
        "input": {"addressId": address, "uscc": factories.make_uscc(), "name": "北京重试科技有限公司",
                  "kind": "COMPANY", "industryCode": "6510", "idempotencyKey": "intake-2026-0001"}
    }  # fmt: skip
    enterprises = await _count(sessionmaker, Enterprise)
    changes = await _count(sessionmaker, ChangeLogEntry)
    first = (await api.data(REGISTER, variables, as_="agency"))["registerEnterprise"]
    second = (await api.data(REGISTER, variables, as_="agency"))["registerEnterprise"]
    assert first["replayed"] is False and second["replayed"] is True
    assert first["enterprise"]["id"] == second["enterprise"]["id"]
    assert await _count(sessionmaker, Enterprise) == enterprises + 1
    assert await _count(sessionmaker, ChangeLogEntry) == changes + 2  # the enterprise and the address's occupancy

    changed = {"input": {**variables["input"], "name": "北京另一家科技有限公司"}}
    reused = (await api.data(REGISTER, changed, as_="agency"))["registerEnterprise"]
    assert reused["enterprise"] is None and reused["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"

    other_caller = (await api.data(REGISTER, variables, as_="regulator"))["registerEnterprise"]
    assert other_caller["replayed"] is False and other_caller["userErrors"][0]["code"] == "ALREADY_EXISTS"
    assert await _count(sessionmaker, Enterprise) == enterprises + 1


async def test_concurrent_calls_with_one_key_take_effect_once(api: Api, world: World, sessionmaker: Any) -> None:
    variables = {
        "input": {"addressId": world.gid("Address", "daxing-3"), "uscc": factories.make_uscc(),
                  "name": "北京并发科技有限公司", "kind": "COMPANY", "industryCode": "2710", "idempotencyKey": "k-1"}
    }  # fmt: skip
    enterprises = await _count(sessionmaker, Enterprise)
    results = await asyncio.gather(*(api.data(REGISTER, variables, as_="agency") for _ in range(4)))
    payloads = [r["registerEnterprise"] for r in results]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert len({p["enterprise"]["id"] for p in payloads}) == 1
    assert sum(not p["replayed"] for p in payloads) == 1
    assert await _count(sessionmaker, Enterprise) == enterprises + 1
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(IdempotencyRecord))).scalar_one() == 1


async def test_several_mutations_in_one_document_see_each_other(api: Api, world: World) -> None:
    pending = world.gid("Address", "daxing-pending")
    query = "query($a: ID!) { node(id: $a) { ... on Address { version } } }"
    v = (await api.data(query, {"a": pending}, as_="regulator"))["node"]["version"]
    body = await api.data(
        """mutation($a: ID!, $v1: Int!, $v2: Int!) {
             one: approveAddress(input: {addressId: $a, expectedVersion: $v1}) { address { status version } }
             two: publishAddress(input: {addressId: $a, expectedVersion: $v2}) { address { status version } }
           }""",
        {"a": pending, "v1": v, "v2": v + 1},
        as_="regulator",
    )
    assert body["one"]["address"] == {"status": "FILED", "version": v + 1}
    assert body["two"]["address"] == {"status": "PUBLISHED", "version": v + 2}


async def test_notices_refuse_personal_data_and_withdraw_with_a_reason(api: Api, world: World) -> None:
    create = """mutation($input: CreateNoticeInput!) { createNotice(input: $input) {
                  notice { id version status title } userErrors { code field } } }"""
    base = {"kind": "OTHER", "jurisdictionCode": "110115", "title": "关于集群注册地址核查的公告",
            "titleEn": "Cluster address inspection", "body": "现开展集群注册地址核查。", "bodyEn": "Inspections begin.",
            "legalBasis": "DX Art.13", "subjectId": world.gid("Address", "daxing-1")}  # fmt: skip
    refused = await api.data(create, {"input": {**base, "body": "联系人电话 13800138000"}}, as_="regulator")
    assert refused["createNotice"]["userErrors"][0] == {"code": "INVALID_INPUT", "field": "body"}
    created = (await api.data(create, {"input": base}, as_="regulator"))["createNotice"]["notice"]
    withdrawn = await api.data(
        """mutation($input: WithdrawNoticeInput!) { withdrawNotice(input: $input) {
             notice { status withdrawalReason } userErrors { code } } }""",
        {"input": {"noticeId": created["id"], "reason": "内容有误", "expectedVersion": created["version"]}},
        as_="regulator",
    )
    assert withdrawn["withdrawNotice"]["notice"] == {"status": "WITHDRAWN", "withdrawalReason": "内容有误"}


async def test_agency_records_and_regulator_records(api: Api, world: World) -> None:
    agency = world.gid("Agency", "daxing")
    report = await api.data(
        """mutation($input: RecordQuarterlyReportInput!) { recordQuarterlyReport(input: $input) {
             quarterlyReport { year quarter } agency { quarterlyReports { year quarter } } userErrors { code } } }""",
        {"input": {"agencyId": agency, "year": 2025, "quarter": 4, "submittedOn": "2026-01-10", "summary": "正常"}},
        as_="agency",
    )
    assert report["recordQuarterlyReport"]["quarterlyReport"] == {"year": 2025, "quarter": 4}
    assert report["recordQuarterlyReport"]["agency"]["quarterlyReports"] == [{"year": 2025, "quarter": 4}]
    contact = await api.data(
        """mutation($input: RecordContactLogInput!) { recordContactLog(input: $input) {
             contactLog { method reached enterprise { name } } userErrors { code } } }""",
        {"input": {"agencyId": agency, "enterpriseId": world.gid("Enterprise", "daxing-e1"),
                   "contactedOn": "2026-01-05", "method": "phone", "reached": True}},
        as_="agency",
    )  # fmt: skip
    assert contact["recordContactLog"]["contactLog"]["enterprise"]["name"] == "北京星河数字科技有限公司"
    abnormal = await api.data(
        """mutation($input: ListAbnormalInput!) { listEnterpriseAbnormal(input: $input) {
             enterprise { status abnormalSince abnormalReason } userErrors { code } } }""",
        {
            "input": {
                "enterpriseId": world.gid("Enterprise", "wuxi-e1"),
                "reason": "UNCONTACTABLE",
                "expectedVersion": 1,
            }
        },
        as_="regulator-wuxi",
    )
    assert abnormal["listEnterpriseAbnormal"]["enterprise"]["status"] == "ABNORMAL"
    listed = await api.data("{ enterprises(filter: {status: [ABNORMAL]}) { nodes { name abnormalReason } } }")
    assert listed["enterprises"]["nodes"] == [{"name": "无锡春笋信息技术有限公司", "abnormalReason": "UNCONTACTABLE"}]


async def test_supervision_run_through_the_api(api: Api, world: World) -> None:
    body = await api.data(
        """mutation { runSupervision(input: {jurisdictionCode: "320200"}) {
             run { id asOf jurisdiction { code } findings(first: 100) { totalCount nodes { ruleId article severity } } }
             userErrors { code } } }""",
        as_="regulator-wuxi",
    )
    run = body["runSupervision"]["run"]
    assert run["jurisdiction"]["code"] == "320200"
    assert all(f["ruleId"].startswith(("WX", "BJ")) and f["article"] for f in run["findings"]["nodes"])
    hidden = await api.run("query($id: ID!) { node(id: $id) { id } }", {"id": run["id"]}, as_="regulator")
    assert hidden["data"]["node"] is None


async def test_admin_creates_and_revokes_keys_and_creates_jurisdictions(api: Api, world: World) -> None:
    create = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
                  apiKey { id prefix role jurisdictionCode revokedAt } token replayed userErrors { code field } } }"""
    variables = {"input": {"name": "税务局数据交换", "role": "REGULATOR", "jurisdictionCode": "110112",
                           "idempotencyKey": "tax-key"}}  # fmt: skip
    created = (await api.data(create, variables, as_="admin"))["createApiKey"]
    token = created["token"]
    assert token.startswith(f"jq_{created['apiKey']['prefix']}_") and created["apiKey"]["role"] == "REGULATOR"
    again = (await api.data(create, variables, as_="admin"))["createApiKey"]
    assert again["replayed"] and again["token"] is None and again["apiKey"]["id"] == created["apiKey"]["id"]
    api.tokens["new"] = token
    viewer = await api.data("{ viewer { role jurisdictionCodes } }", as_="new")
    assert viewer["viewer"] == {"role": "REGULATOR", "jurisdictionCodes": ["110112"]}

    missing = await api.data(create, {"input": {"name": "x", "role": "AGENCY"}}, as_="admin")
    assert missing["createApiKey"]["userErrors"][0]["field"] == "agencyId"

    revoked = await api.data(
        "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } userErrors { code } } }",
        {"id": created["apiKey"]["id"]},
        as_="admin",
    )
    assert revoked["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    assert (await api.post("{ viewer { role } }", as_="new")).status_code == 401

    district = await api.data(
        """mutation { createJurisdiction(input: {code: "320213", nameZh: "梁溪区", nameEn: "Liangxi",
             rulePack: WX, licenceAnnotation: "（集群登记）", parentCode: "320200"}) {
             jurisdiction { code level parent { code } } userErrors { code field } } }""",
        as_="admin",
    )
    assert district["createJurisdiction"]["userErrors"][0]["code"] == "ALREADY_EXISTS"
    district = await api.data(
        """mutation { createJurisdiction(input: {code: "320215", nameZh: "新设区", nameEn: "New district",
             rulePack: WX, licenceAnnotation: "（集群登记）", parentCode: "320200"}) {
             jurisdiction { code level parent { code } } userErrors { code field } } }""",
        as_="admin",
    )
    assert district["createJurisdiction"]["jurisdiction"] == {
        "code": "320215",
        "level": "district",
        "parent": {"code": "320200"},
    }
    wuxi = await api.data("{ viewer { jurisdictionCodes } }", as_="regulator-wuxi")
    assert "320215" in wuxi["viewer"]["jurisdictionCodes"]


async def test_scores_computed_through_the_api_are_public(api: Api, world: World) -> None:
    rated = await api.data(
        """mutation($a: ID!) { rateWuxiAgency(input: {agencyId: $a, year: 2026, asOf: "2026-07-01"}) {
             score { grade score scheme period breakdown subject { ... on Agency { latestGrade latestGradeYear } } }
             userErrors { code message } } }""",
        {"a": world.gid("Agency", "wuxi")},  # the Wuxi measures are in force until 2026-07-18
        as_="regulator-wuxi",
    )
    score = rated["rateWuxiAgency"]["score"]
    assert rated["rateWuxiAgency"]["userErrors"] == [] and score["grade"] in ("A", "B", "C", "D")
    assert score["subject"] == {"latestGrade": score["grade"], "latestGradeYear": 2026}
    public = await api.data(
        "query($u: String!) { agency(uscc: $u) { latestGrade ratings { grade period breakdown } } }",
        {"u": world.usccs["wuxi"]},
    )
    assert public["agency"]["ratings"][0]["grade"] == score["grade"]
    indicators = await api.data(
        """mutation { computeTongzhouIndicators(input: {}) {
             scores { subjectKind scheme grade } userErrors { code } } }""",
        as_="regulator-tongzhou",
    )
    computed = indicators["computeTongzhouIndicators"]["scores"]
    assert {s["subjectKind"] for s in computed} >= {"Address"}
    address = await api.data('{ address(code: "110112-000004") { indicators { scheme } } }')
    assert address["address"]["indicators"]

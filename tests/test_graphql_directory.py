"""The read API: the investment-promotion search, filters, orderings, keyset pagination, lookups by
natural key and global id, nested lists, statistics and the rule catalogue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from domain.ids import to_global_id
from domain.model import Address, Agency, Score
from tests.graphql_support import Api, World

NEAR_DAXING = {"latitude": 39.7265, "longitude": 116.3411, "radiusKm": 50}

PROMOTION = """
query Promote($near: NearInput!, $industry: KeyIndustry!) {
  addresses(first: 10, filter: {jurisdictionCode: "110115", status: [PUBLISHED], keyIndustry: $industry,
                                minFreePlaces: 1, near: $near}) {
    totalCount
    edges { distanceKm node { code addressText freePlaces keyIndustries status agency { name latestGrade } } }
  }
}
"""


async def _grade(sessionmaker, agency_id: int, grade: str) -> None:
    async with sessionmaker() as s:
        await s.execute(update(Agency).where(Agency.id == agency_id).values(latest_grade=grade, latest_grade_year=2025))
        s.add(
            Score(
                subject_kind="Agency",
                subject_id=agency_id,
                jurisdiction_code="110115",
                scheme="credit_rating",
                period="2025",
                as_of=dt.date(2025, 12, 31),
                score=82.0,
                grade=grade,
                breakdown={"static": 28, "dynamic": 54},
                facts={"non_compliant_enterprises": 3},
            )
        )
        await s.commit()


async def test_investment_promotion_query_finds_published_addresses_with_room_nearest_first(
    api: Api, world: World, sessionmaker
) -> None:
    await _grade(sessionmaker, world.agencies["daxing"], "A")
    data = await api.data(PROMOTION, {"near": NEAR_DAXING, "industry": "DIGITAL_ECONOMY"})
    result = data["addresses"]
    edges = result["edges"]
    assert [e["node"]["addressText"] for e in edges] == [
        "北京市大兴区兴华大街二段3号",
        "北京市大兴区亦庄科创十三街29号",
    ]
    assert result["totalCount"] == 2
    distances = [e["distanceKm"] for e in edges]
    assert distances == sorted(distances) and distances[0] < 0.01 < distances[1] < 50
    assert all(e["node"]["status"] == "PUBLISHED" and "DIGITAL_ECONOMY" in e["node"]["keyIndustries"] for e in edges)
    assert edges[0]["node"]["freePlaces"] == 48  # 50 places, two enterprises registered
    assert edges[0]["node"]["agency"] == {"name": "北京兴业众创空间管理有限公司", "latestGrade": "A"}

    medicine = await api.data(PROMOTION, {"near": NEAR_DAXING, "industry": "MEDICINE_HEALTH"})
    assert [e["node"]["addressText"] for e in medicine["addresses"]["edges"]] == ["北京市大兴区黄村西大街6号"]


async def test_radius_keeps_only_addresses_within_it(api: Api, world: World) -> None:
    query = """query($near: NearInput!) { addresses(filter: {near: $near}) { edges { distanceKm node { code } } } }"""
    small = await api.data(query, {"near": {**NEAR_DAXING, "radiusKm": 2}})
    assert len(small["addresses"]["edges"]) == 2  # the two Daxing addresses within 2 km (兴华大街, 黄村西大街)
    assert all(e["distanceKm"] <= 2 for e in small["addresses"]["edges"])
    wide = await api.data(query, {"near": {**NEAR_DAXING, "radiusKm": 100}})
    assert len(wide["addresses"]["edges"]) == 4  # Beijing's published addresses; Wuxi is 1,000 km away


async def test_city_code_covers_its_districts_and_filters_combine(api: Api, world: World) -> None:
    query = """query($f: AddressFilter) { addresses(filter: $f) { totalCount nodes { jurisdictionCode } } }"""
    wuxi = await api.data(query, {"f": {"jurisdictionCode": "320200"}})
    assert [n["jurisdictionCode"] for n in wuxi["addresses"]["nodes"]] == ["320205"]
    beijing = await api.data(query, {"f": {"jurisdictionCode": "110000"}})
    assert beijing["addresses"]["totalCount"] == 4
    roomy = await api.data(query, {"f": {"jurisdictionCode": "110115", "minFreePlaces": 30}})
    assert roomy["addresses"]["totalCount"] == 2  # 48 and 30 free; 20 is too few
    by_agency_name = await api.data(query, {"f": {"text": "运河商务"}})
    assert [n["jurisdictionCode"] for n in by_agency_name["addresses"]["nodes"]] == ["110112"]
    by_text = await api.data(query, {"f": {"text": "亦庄"}})
    assert by_text["addresses"]["totalCount"] == 1
    literal = await api.data(query, {"f": {"text": "%"}})
    assert literal["addresses"]["totalCount"] == 0


async def test_orderings(api: Api, world: World) -> None:
    query = """query($o: AddressOrder) { addresses(orderBy: $o) { nodes { code freePlaces addressText } } }"""
    by_room = await api.data(query, {"o": {"field": "FREE_PLACES", "direction": "DESC"}})
    free = [n["freePlaces"] for n in by_room["addresses"]["nodes"]]
    assert free == sorted(free, reverse=True)
    by_code = await api.data(query)
    codes = [n["code"] for n in by_code["addresses"]["nodes"]]
    assert codes == sorted(codes)
    by_name = await api.data(query, {"o": {"field": "NAME"}})
    names = [n["addressText"] for n in by_name["addresses"]["nodes"]]
    assert names == sorted(names)
    body = await api.run(query, {"o": {"field": "DISTANCE"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _walk(api: Api, order: dict[str, str] | None, *, backward: bool) -> list[str]:
    query = """query($first: Int, $after: String, $last: Int, $before: String, $o: AddressOrder) {
      addresses(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code } } }"""
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        variables = {"o": order, "last": 2, "before": cursor} if backward else {"o": order, "first": 2, "after": cursor}
        page = (await api.data(query, variables))["addresses"]
        codes = [n["code"] for n in page["nodes"]]
        seen = codes + seen if backward else seen + codes
        info = page["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            assert len(seen) == page["totalCount"]
            return seen
        cursor = info["startCursor"] if backward else info["endCursor"]
    raise AssertionError("pagination did not end")


async def test_keyset_pagination_walks_every_row_once_in_both_directions(api: Api, world: World) -> None:
    for order in (None, {"field": "FREE_PLACES", "direction": "DESC"}, {"field": "PUBLISHED_ON"}):
        forward = await _walk(api, order, backward=False)
        assert len(forward) == len(set(forward)) == 5
        assert await _walk(api, order, backward=True) == forward


async def test_page_arguments_are_checked(api: Api, world: World) -> None:
    first = await api.data("{ addresses(first: 1) { pageInfo { endCursor } } }")
    cursor = first["addresses"]["pageInfo"]["endCursor"]
    for query in (
        "{ addresses(first: 101) { totalCount } }",
        "{ addresses(first: 0) { totalCount } }",
        "{ addresses(first: 1, last: 1) { totalCount } }",
        '{ addresses(after: "not-a-cursor") { totalCount } }',
        f'{{ agencies(after: "{cursor}") {{ totalCount }} }}',
        f'{{ addresses(after: "{cursor}", orderBy: {{field: NAME}}) {{ totalCount }} }}',
    ):
        body = await api.run(query)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", query
        assert body["data"] is None


async def test_lookups_by_natural_key_and_global_id(api: Api, world: World) -> None:
    data = await api.data(
        """query($a: String!, $e: String!) {
          agency(uscc: $a) { id name jurisdiction { nameEn } addresses(first: 10) { totalCount } }
          enterprise(uscc: $e) { id name status registeredAddress address { code } industryNameZh }
          address(code: "110115-000001") { id addressText }
          jurisdiction(code: "320200") { nameZh children { code } }
        }""",
        {"a": world.usccs["daxing"], "e": world.usccs["daxing-e1"]},
    )
    assert data["agency"]["id"] == world.gid("Agency", "daxing")
    assert data["agency"]["jurisdiction"]["nameEn"] == "Daxing District"
    assert data["agency"]["addresses"]["totalCount"] == 3  # the pending address is not public
    assert data["enterprise"]["registeredAddress"].endswith("（集群注册）")
    assert data["enterprise"]["industryNameZh"] == "软件和信息技术服务业"
    assert len(data["jurisdiction"]["children"]) == 7
    nodes = await api.data(
        """query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }""",
        {"ids": [world.gid("Enterprise", "wuxi-e1"), data["address"]["id"], to_global_id("Jurisdiction", "110112")]},
    )
    assert [n["__typename"] for n in nodes["nodes"]] == ["Enterprise", "Address", "Jurisdiction"]


async def test_missing_and_malformed_keys(api: Api, world: World) -> None:
    body = await api.run('{ enterprise(uscc: "91110115000000001X") { name } }')
    assert body["data"]["enterprise"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "check character" in error["message"]
    assert error["extensions"]["messageZh"]
    body = await api.run('{ agency(uscc: "911101150000000999") { name } }')
    assert body["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "BAD_USER_INPUT")
    for bad in ("%%%", "QWRkcmVzczo=", to_global_id("Bogus", 1), to_global_id("Address", "x")):
        body = await api.run("query($id: ID!) { node(id: $id) { id } }", {"id": bad})
        assert body["data"]["node"] is None
        assert body["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND"), bad
    body = await api.run("query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("Address", 2**40)})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await api.run(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [world.gid("Address", "daxing-1"), to_global_id("Address", 99999)]},
    )
    assert body["data"]["nodes"][0]["id"] == world.gid("Address", "daxing-1") and body["data"]["nodes"][1] is None


async def test_a_malformed_id_in_nodes_is_an_error_at_its_index(api: Api, world: World) -> None:
    ids = [world.gid("Address", "daxing-1"), "%%%", world.gid("Enterprise", "wuxi-e1"), to_global_id("Bogus", 1)]
    body = await api.run("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert body["data"]["nodes"] == [{"id": ids[0]}, None, {"id": ids[2]}, None]
    assert [e["path"] for e in body["errors"]] == [["nodes", 1], ["nodes", 3]]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert [e["extensions"]["field"] for e in body["errors"]] == ["ids[1]", "ids[3]"]


async def test_unpublished_addresses_are_hidden_from_the_public(api: Api, world: World) -> None:
    pending = world.gid("Address", "daxing-pending")
    query = "query($id: ID!) { node(id: $id) { ... on Address { status } } }"
    body = await api.run(query, {"id": pending})
    assert body["data"]["node"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for insider in ("agency", "regulator", "regulator-beijing"):
        assert (await api.data(query, {"id": pending}, as_=insider))["node"]["status"] == "APPLIED"
    for outsider in ("partner", "agency-tongzhou", "regulator-tongzhou", "regulator-wuxi", "admin"):
        body = await api.run(query, {"id": pending}, as_=outsider)
        assert body["data"]["node"] is None, outsider
    count = "{ addresses(filter: {status: [APPLIED]}) { totalCount } }"
    assert (await api.data(count))["addresses"]["totalCount"] == 0
    assert (await api.data(count, as_="regulator"))["addresses"]["totalCount"] == 1


async def test_an_address_with_its_enterprises_history_indicators_and_notices(api: Api, world: World) -> None:
    data = await api.data(
        """{ address(code: "110115-000001") {
              enterprises(first: 1) { totalCount pageInfo { hasNextPage } edges { cursor node { name status } } }
              active: enterprises(status: [ACTIVE], orderBy: {field: NAME, direction: DESC}) { nodes { name } }
              statusHistory { fromStatus toStatus changedOn }
              indicators { grade }
              notices { kind legalBasis subjectId subject { ... on Address { code } } }
        } }"""
    )
    a = data["address"]
    assert a["enterprises"]["totalCount"] == 2 and a["enterprises"]["pageInfo"]["hasNextPage"]
    names = [n["name"] for n in a["active"]["nodes"]]
    assert names == sorted(names, reverse=True) and len(names) == 2
    assert [s["toStatus"] for s in a["statusHistory"]] == ["APPLIED", "FILED", "PUBLISHED"]
    assert a["indicators"] == []
    assert a["notices"][0]["kind"] == "ADDRESS_PUBLISHED" and "DX Art.7" in a["notices"][0]["legalBasis"]
    assert a["notices"][0]["subject"] == {"code": "110115-000001"}


async def test_agency_ratings_are_public_findings_are_not(api: Api, world: World, sessionmaker) -> None:
    await _grade(sessionmaker, world.agencies["daxing"], "B")
    query = """query($u: String!) { agency(uscc: $u) { latestGrade ratings { grade score breakdown facts period }
                findings(first: 5) { totalCount } } }"""
    body = await api.run(query, {"u": world.usccs["daxing"]})
    agency = body["data"]["agency"]
    assert agency["ratings"][0]["grade"] == "B" and agency["ratings"][0]["breakdown"] == {"static": 28, "dynamic": 54}
    assert agency["findings"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    inside = await api.data(query, {"u": world.usccs["daxing"]}, as_="regulator")
    assert inside["agency"]["findings"]["totalCount"] >= 0


async def test_lists_of_agencies_enterprises_notices_and_jurisdictions(api: Api, world: World) -> None:
    data = await api.data(
        """{
          agencies(filter: {jurisdictionCode: "110000"}, orderBy: {field: NAME}) { totalCount nodes { name } }
          wuxiAgencies: agencies(filter: {jurisdictionCode: "320200", status: [ACTIVE]}) { totalCount }
          enterprises(filter: {jurisdictionCode: "110115", industryCode: "65"}) { totalCount nodes { uscc } }
          byText: enterprises(filter: {text: "运河"}) { nodes { name } }
          notices(filter: {kind: [ADDRESS_PUBLISHED], jurisdictionCode: "110000"}) { totalCount nodes { publishedOn } }
          jurisdictions(parentCode: "110000") { nodes { code rulePack } }
        }"""
    )
    assert data["agencies"]["totalCount"] == 2
    assert data["wuxiAgencies"]["totalCount"] == 1
    assert data["enterprises"]["totalCount"] == 2
    assert data["byText"]["nodes"] == [{"name": "北京运河数据服务有限公司"}]
    assert data["notices"]["totalCount"] == 4
    assert data["jurisdictions"]["nodes"] == [
        {"code": "110112", "rulePack": "TZ"},
        {"code": "110115", "rulePack": "DX"},
    ]


async def test_directory_statistics(api: Api, world: World) -> None:
    data = await api.data(
        """{ byJurisdiction: directoryStatistics(groupBy: [JURISDICTION]) {
               jurisdictionCode addresses capacity occupied freePlaces enterprises }
             byIndustry: directoryStatistics(groupBy: [KEY_INDUSTRY], jurisdictionCode: "110115") {
               keyIndustry addresses freePlaces }
             total: directoryStatistics(groupBy: []) { addresses capacity enterprises } }"""
    )
    daxing = next(s for s in data["byJurisdiction"] if s["jurisdictionCode"] == "110115")
    assert daxing == {
        "jurisdictionCode": "110115",
        "addresses": 3,
        "capacity": 100,
        "occupied": 2,
        "freePlaces": 98,
        "enterprises": 2,
    }
    assert {(s["keyIndustry"], s["addresses"]) for s in data["byIndustry"]} == {
        ("DIGITAL_ECONOMY", 2),
        ("MEDICINE_HEALTH", 1),
    }
    assert data["total"] == [{"addresses": 5, "capacity": 180, "enterprises": 4}]
    regulator = await api.data("{ directoryStatistics(groupBy: [STATUS]) { status addresses } }", as_="regulator")
    assert {"status": "APPLIED", "addresses": 1} in regulator["directoryStatistics"]


async def test_rule_catalogue_and_reference_data(api: Api, world: World) -> None:
    data = await api.data(
        """{ rules(pack: "WX") { id pack article checkpoints titleZh titleEn inForceFrom inForceTo severity
                                  inForce(on: "2025-01-01") }
             keyIndustries { key nameZh divisions } viewer { role jurisdictionCodes agency { name } } }"""
    )
    rules = data["rules"]
    assert rules and all(r["pack"] == "WX" and r["article"] for r in rules)
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    assert any(r["inForceTo"] == "2026-07-18" for r in rules)
    assert {"key": "DIGITAL_ECONOMY", "nameZh": "数字经济", "divisions": ["63", "64", "65"]} in data["keyIndustries"]
    assert data["viewer"] == {"role": "ANONYMOUS", "jurisdictionCodes": [], "agency": None}
    beijing = await api.data("{ viewer { role jurisdictionCodes } }", as_="regulator-beijing")
    assert beijing["viewer"] == {"role": "REGULATOR", "jurisdictionCodes": ["110000", "110112", "110115"]}


async def test_an_address_not_accepting_registrations_offers_no_free_places(
    api: Api, world: World, sessionmaker
) -> None:
    """A suspended address keeps its capacity but offers no place (domain/capacity.py): 0 free places,
    left out by minFreePlaces, told apart by acceptingRegistrations, and not counted in the statistics."""
    async with sessionmaker() as s:
        open_rows = (
            await s.execute(
                select(Address.code, Address.capacity - Address.occupied)
                .where(Address.status == "published", Address.capacity > Address.occupied)
                .order_by(Address.code)
            )
        ).all()
        code, room = open_rows[0]
        await s.execute(update(Address).where(Address.code == code).values(status="suspended"))
        await s.commit()
    query = """query($code: String!) {
      one: address(code: $code) { status freePlaces capacity }
      roomy: addresses(first: 100, filter: {minFreePlaces: 1}) { nodes { code freePlaces status } }
      open: addresses(first: 100, filter: {acceptingRegistrations: true}) { nodes { code status } }
      closed: addresses(first: 100, filter: {acceptingRegistrations: false}) { nodes { code status } }
      total: directoryStatistics(groupBy: []) { freePlaces }
    }"""
    data = await api.data(query, {"code": code})
    assert data["one"]["status"] == "SUSPENDED" and data["one"]["freePlaces"] == 0 and room > 0
    assert code not in {n["code"] for n in data["roomy"]["nodes"]}
    assert all(n["status"] == "PUBLISHED" and n["freePlaces"] >= 1 for n in data["roomy"]["nodes"])
    assert {n["code"] for n in data["roomy"]["nodes"]} == {c for c, r in open_rows[1:]}
    assert {n["status"] for n in data["open"]["nodes"]} == {"PUBLISHED"}
    assert code in {n["code"] for n in data["closed"]["nodes"]}
    assert "PUBLISHED" not in {n["status"] for n in data["closed"]["nodes"]}
    assert data["total"][0]["freePlaces"] == sum(r for _, r in open_rows[1:])


async def test_key_industries_and_grades_are_lists_of_enums(api: Api, world: World, sessionmaker) -> None:
    """keyIndustries matches any of its industries; agencyGrades keeps addresses whose agency has one of
    the grades; AgencyFilter.grades is an enum, so a grade outside A–D is refused instead of matching
    nothing; the deprecated forms still answer as before."""
    await _grade(sessionmaker, world.agencies["daxing"], "A")
    query = """query($one: KeyIndustry!, $other: KeyIndustry!, $g: [CreditGrade!]) {
      one: addresses(first: 100, filter: {keyIndustries: [$one]}) { nodes { code } }
      old: addresses(first: 100, filter: {keyIndustry: $one}) { nodes { code } }
      other: addresses(first: 100, filter: {keyIndustries: [$other]}) { nodes { code } }
      both: addresses(first: 100, filter: {keyIndustries: [$one, $other]}) { nodes { code } }
      graded: addresses(first: 100, filter: {agencyGrades: $g}) { nodes { code agency { latestGrade } } }
      all: addresses(first: 100) { nodes { code agency { latestGrade } } }
      agencies(filter: {grades: $g}) { nodes { latestGrade } }
      oldAgencies: agencies(filter: {grade: ["A"]}) { nodes { latestGrade } }
    }"""
    variables = {"one": "DIGITAL_ECONOMY", "other": "MEDICINE_HEALTH", "g": ["A"]}
    data = await api.data(query, variables, as_="regulator-beijing")

    def codes(name: str) -> set[str]:
        return {n["code"] for n in data[name]["nodes"]}

    assert codes("one") and codes("other") and codes("one") == codes("old")
    assert codes("both") == codes("one") | codes("other") > codes("one")
    expected = {n["code"] for n in data["all"]["nodes"] if (n["agency"] or {}).get("latestGrade") == "A"}
    assert expected and codes("graded") == expected
    assert (
        [n["latestGrade"] for n in data["agencies"]["nodes"]]
        == ["A"]
        == [n["latestGrade"] for n in data["oldAgencies"]["nodes"]]
    )
    refused = await api.post("{ agencies(filter: {grades: [Z]}) { totalCount } }")
    assert refused.status_code == 400 and "CreditGrade" in refused.json()["errors"][0]["message"]

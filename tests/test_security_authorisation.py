"""Authorisation attacks on every mutation: each caller (anonymous, partner, agency, regulator, admin,
and a revoked admin key) against an object of its own and of a foreign jurisdiction or agency.

The list of mutations is read from the schema, so a mutation added without a case here fails the suite
by name. Every refused attempt sends the very input an allowed caller then sends and, where the command
can succeed at all, succeeds with: a check that stopped refusing would write. Each refusal is checked
twice, by its code (``FORBIDDEN``, or ``UNAUTHENTICATED`` with HTTP 401 for a revoked key) and by a
snapshot of every table and of the change log, which must not move. Allowed callers send an input the
command refuses only after authorisation (a stale version, an invalid value): they must get
``userErrors``, never FORBIDDEN, and write nothing either.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ids import to_global_id
from domain.model import Agency, Notice
from domain.unit_of_work import china_today
from tests import factories
from tests.db_state import DatabaseState, snapshot
from tests.graphql_support import Api, World, make_settings, open_api
from tests.security_support import CALLERS, PLACES, UNLIMITED, Lab, add_revoked_admin

PAYLOAD = "userErrors { code field message }"
# Wuxi's measures rate a year as of a date they are in force on (until 2026-07-18).
RATING_AS_OF = min(china_today(), dt.date(2026, 7, 1))


@dataclass(frozen=True)
class Inputs:
    """``valid`` goes through for an allowed caller; ``probe`` is refused by the command itself."""

    valid: dict[str, Any]
    probe: dict[str, Any]


Prepare = Callable[[Lab, str], Awaitable[Inputs]]


@dataclass(frozen=True)
class Case:
    """Who may call a mutation, as schema.graphql and docs/graphql.md state it: ``regulator`` (regulators
    of the object's jurisdiction), ``agency`` (those, and the agency holding the object) or ``admin``.
    ``succeeds_in``: the places where the valid input writes; elsewhere the command, once the caller is
    authorised, refuses it or has nothing to do (Wuxi's ratings in Daxing), and writes nothing."""

    who: str
    prepare: Prepare
    succeeds_in: tuple[str, ...]
    places: tuple[str, ...] = ("daxing", "wuxi")
    last: bool = False


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    """Production settings but for the per-minute rate limits: the suite makes hundreds of calls."""
    async for a in open_api(make_settings(database_url, **UNLIMITED)):
        yield a


def stale(valid: dict[str, Any]) -> dict[str, Any]:
    return {**valid, "expectedVersion": valid["expectedVersion"] + 100}


def day(offset: int = 0) -> str:
    return (china_today() + dt.timedelta(days=offset)).isoformat()


def agency_change(status: str, reason: bool = False) -> Prepare:
    async def prepare(lab: Lab, place: str) -> Inputs:
        gid, version = await lab.gid_version("Agency", await lab.agency_in(place, status))
        valid = {"agencyId": gid, "expectedVersion": version, **({"reason": "监管检查"} if reason else {})}
        return Inputs(valid, stale(valid))

    return prepare


def address_change(status: str, **extra: Any) -> Prepare:
    async def prepare(lab: Lab, place: str) -> Inputs:
        gid, version = await lab.gid_version("Address", await lab.address(place, status))
        valid = {"addressId": gid, "expectedVersion": version, **extra}
        return Inputs(valid, stale(valid))

    return prepare


def enterprise_change(abnormal: bool = False, **extra: Any) -> Prepare:
    async def prepare(lab: Lab, place: str) -> Inputs:
        gid, version = await lab.gid_version("Enterprise", await lab.enterprise(place, abnormal))
        valid = {"enterpriseId": gid, "expectedVersion": version, **extra}
        return Inputs(valid, stale(valid))

    return prepare


def with_world(make: Callable[[Lab, str], dict[str, Any]], probe: dict[str, Any]) -> Prepare:
    """An input naming the world's own objects of the place; ``probe`` overrides some of its values."""

    async def prepare(lab: Lab, place: str) -> Inputs:
        valid = make(lab, place)
        return Inputs(valid, {**valid, **probe})

    return prepare


def agency_of(lab: Lab, place: str) -> str:
    return to_global_id("Agency", lab.agencies[place])


def enterprise_of(lab: Lab, place: str) -> str:
    return to_global_id("Enterprise", lab.enterprises[f"{place}-e1"])


async def begin_agency_termination(lab: Lab, place: str) -> Inputs:
    valid = {"agencyId": agency_of(lab, place), "expectedVersion": await lab.version(Agency, lab.agencies[place])}
    return Inputs(valid, stale(valid))


async def record_credit_fact(lab: Lab, place: str) -> Inputs:
    fact = {"subject": "AGENCY", "kind": "ABNORMAL_LIST", "listedOn": day(-30)}
    valid = {"agencyId": to_global_id("Agency", await lab.agency(place)), "fact": fact}
    return Inputs(valid, {**valid, "fact": {**fact, "removedOn": day(-60)}})


async def begin_address_exit(lab: Lab, place: str) -> Inputs:
    gid, version = await lab.gid_version("Address", await lab.address(place))
    valid = {"addressId": gid, "plannedExitOn": day(40), "reason": "租约到期", "expectedVersion": version}
    return Inputs(valid, stale(valid))


async def withdraw_notice(lab: Lab, place: str) -> Inputs:
    pk = await lab.notice(place)
    valid = {
        "noticeId": to_global_id("Notice", pk),
        "reason": "内容有误",
        "expectedVersion": await lab.version(Notice, pk),
    }
    return Inputs(valid, stale(valid))


async def revoke_api_key(lab: Lab, place: str) -> Inputs:
    return Inputs({"prefix": await lab.key(place)}, {"prefix": "nosuchkey"})


def premises(agency_id: str, place: str) -> dict[str, Any]:
    """Premises in ``place`` that its rules accept, filed for ``agency_id``."""
    p = PLACES[place]
    return {
        "agencyId": agency_id, "jurisdictionCode": p.code, "kind": "CLUSTER_REGISTRATION",
        "addressText": f"安全测试大街{place}1号", "premisesBasis": "TITLE_DEED", "tenure": "OWNED",
        "residential": False, "planningApproved": True, "lawfulAndSafe": True, "standardised": True,
        "capacity": 30, "floorAreaM2": 1200.0, "latitude": p.latitude, "longitude": p.longitude,
        "keyIndustries": ["DIGITAL_ECONOMY"],
    }  # fmt: skip


def demonstration_base(lab: Lab, place: str) -> dict[str, Any]:
    return {
        "agencyId": agency_of(lab, place), "applicationDeadline": "2025-06-30", "establishedOn": "2020-01-01",
        "totalFloorAreaM2": 5000.0, "publicServiceAreaM2": 1000.0, "residentSmallMicroEnterprises": 60,
        "leadingIndustryEnterprises": 40, "staffWithDegreeOrTitle": 10, "staffWithDegreeAndTitle": 5,
        "satisfaction": 0.9, "serviceFunctions": ["training", "investment_financing", "management_consulting"],
    }  # fmt: skip


NEW_DISTRICT = {"daxing": ("110199", "BJ"), "tongzhou": ("110198", "BJ"), "wuxi": ("320299", "WX")}

CASES: dict[str, Case] = {
    "registerAgency": Case("regulator", with_world(lambda lab, p: {
        "uscc": factories.make_uscc(PLACES[p].code), "name": f"安全测试{p}众创空间有限公司", "role": "HOSTING_AGENCY",
        "kind": "MAKER_SPACE", "jurisdictionCode": PLACES[p].code, "establishedOn": "2018-05-01", "tenure": "OWNED",
    }, {"uscc": "91110115BAD"}), ("daxing", "wuxi")),
    "suspendAgency": Case("regulator", agency_change("active", reason=True), ("daxing", "wuxi")),
    "reinstateAgency": Case("regulator", agency_change("suspended"), ("daxing", "wuxi")),
    "disqualifyAgency": Case("regulator", agency_change("active", reason=True), ("daxing", "wuxi")),
    # Last: it ends the service of the world's agencies, for which other cases file addresses.
    "beginAgencyTermination": Case("agency", begin_agency_termination, ("daxing", "wuxi"), last=True),
    "terminateAgency": Case("regulator", agency_change("terminating"), ("daxing", "wuxi")),
    "recordCreditFact": Case("regulator", record_credit_fact, ("daxing", "wuxi")),
    "recordQuarterlyReport": Case("agency", with_world(lambda lab, p: {
        "agencyId": agency_of(lab, p), "year": china_today().year - 1, "quarter": 4, "summary": "本季度运营正常",
    }, {"quarter": 5}), ("daxing", "wuxi")),
    "recordContactLog": Case("agency", with_world(lambda lab, p: {
        "agencyId": agency_of(lab, p), "enterpriseId": enterprise_of(lab, p), "contactedOn": day(-1),
        "method": "phone", "reached": True,
    }, {"contactedOn": day(365)}), ("daxing", "wuxi")),
    "fileAddress": Case("agency", with_world(lambda lab, p: premises(agency_of(lab, p), p), {"capacity": 0}),
                        ("daxing", "wuxi")),
    "approveAddress": Case("regulator", address_change("applied"), ("daxing", "wuxi")),
    "publishAddress": Case("regulator", address_change("filed"), ("daxing", "wuxi")),
    "suspendAddress": Case("regulator", address_change("published", reason="消防检查未通过"), ("daxing", "wuxi")),
    "reinstateAddress": Case("regulator", address_change("suspended"), ("daxing", "wuxi")),
    "cancelAddress": Case("regulator", address_change("published", reason="场所不再符合条件"), ("daxing", "wuxi")),
    "beginAddressExit": Case("agency", begin_address_exit, ("daxing", "wuxi")),
    "completeAddressExit": Case("regulator", address_change("exiting"), ("daxing", "wuxi")),
    "registerEnterprise": Case("agency", with_world(lambda lab, p: {
        "addressId": to_global_id("Address", lab.addresses[f"{p}-1"]), "uscc": factories.make_uscc(PLACES[p].code),
        "name": f"安全测试{p}数字科技有限公司", "kind": "COMPANY", "industryCode": "6510",
    }, {"uscc": "bad"}), ("daxing", "wuxi")),
    "moveOutEnterprise": Case("agency", enterprise_change(), ("daxing", "wuxi")),
    "deregisterEnterprise": Case("regulator", enterprise_change(), ("daxing", "wuxi")),
    "listEnterpriseAbnormal": Case("regulator", enterprise_change(reason="UNCONTACTABLE"), ("daxing", "wuxi")),
    "removeEnterpriseAbnormal": Case("regulator", enterprise_change(abnormal=True), ("daxing", "wuxi")),
    "recordTaxFiling": Case("regulator", with_world(
        lambda lab, p: {"enterpriseId": enterprise_of(lab, p), "filedOn": day(-1)}, {"filedOn": day(365)},
    ), ("daxing", "wuxi")),
    "recordAnnualReport": Case("regulator", with_world(
        lambda lab, p: {"enterpriseId": enterprise_of(lab, p), "year": china_today().year - 1}, {"year": 1980},
    ), ("daxing", "wuxi")),
    "recordEnterpriseFinding": Case("regulator", with_world(lambda lab, p: {
        "enterpriseId": enterprise_of(lab, p), "kind": "COMPLAINT", "foundOn": day(-1), "description": "投诉核查",
    }, {"foundOn": day(365)}), ("daxing", "wuxi")),
    "createNotice": Case("regulator", with_world(lambda lab, p: {
        "kind": "OTHER", "jurisdictionCode": PLACES[p].code, "title": "集群注册工作提示", "titleEn": "Notice",
        "body": "请各托管机构按期报送季度报告。", "bodyEn": "Report every quarter.", "legalBasis": "DX Art.13",
    }, {"title": ""}), ("daxing", "wuxi")),
    "withdrawNotice": Case("regulator", withdraw_notice, ("daxing", "wuxi")),
    "runSupervision": Case("regulator", with_world(
        lambda lab, p: {"jurisdictionCode": PLACES[p].code}, {"asOf": "2999-01-01"},
    ), ("daxing", "wuxi")),
    "rateWuxiAgency": Case("regulator", with_world(lambda lab, p: {
        "agencyId": agency_of(lab, p), "year": RATING_AS_OF.year, "asOf": RATING_AS_OF.isoformat(),
    }, {"year": 2999}), ("wuxi",)),
    "rateWuxiAgencies": Case("regulator", with_world(lambda lab, p: {
        "jurisdictionCode": PLACES[p].code, "year": RATING_AS_OF.year, "asOf": RATING_AS_OF.isoformat(),
    }, {"year": 2999}), ("wuxi",)),
    "computeTongzhouIndicators": Case("regulator", with_world(
        lambda lab, p: {"jurisdictionCode": PLACES[p].code}, {"asOf": "2999-01-01"},
    ), ("tongzhou",), places=("tongzhou", "wuxi")),
    "evaluateDemonstrationBase": Case("regulator", with_world(demonstration_base, {"totalFloorAreaM2": -1.0}),
                                      ("daxing",)),
    "createApiKey": Case("admin", with_world(
        lambda lab, p: {"name": "辖区监管", "role": "REGULATOR", "jurisdictionCode": PLACES[p].code}, {"name": ""},
    ), ("daxing", "wuxi")),
    "revokeApiKey": Case("admin", revoke_api_key, ("daxing", "wuxi")),
    "createJurisdiction": Case("admin", with_world(lambda lab, p: {
        "code": NEW_DISTRICT[p][0], "nameZh": "新设区", "nameEn": "New district", "rulePack": NEW_DISTRICT[p][1],
        "licenceAnnotation": "集群注册", "parentCode": PLACES[p].city,
    }, {"code": "110115"}), ("daxing", "wuxi")),
}  # fmt: skip


def allowed(case: Case, caller: str, place: str) -> bool:
    """The documented rule: admins for admin mutations, else the regulators of the place, and for
    ``agency`` mutations also the agency holding the object; a revoked key is nobody."""
    c = CALLERS[caller]
    if c.revoked:
        return False
    if case.who == "admin":
        return c.role == "admin"
    if c.role == "regulator" and place in c.governs:
        return True
    return case.who == "agency" and c.role == "agency" and c.holds == place


async def declared_mutations(api: Api) -> dict[str, str]:
    """Each mutation of the served schema with the type of its single ``input`` argument."""
    body = await api.data(
        "{ __schema { mutationType { fields { name args { name type { kind ofType { name } } } } } } }"
    )
    found: dict[str, str] = {}
    for f in body["__schema"]["mutationType"]["fields"]:
        assert [a["name"] for a in f["args"]] == ["input"], f
        assert f["args"][0]["type"]["kind"] == "NON_NULL", f
        found[f["name"]] = f["args"][0]["type"]["ofType"]["name"]
    return found


@dataclass
class Attempts:
    api: Api
    sessionmaker: async_sessionmaker[AsyncSession]
    tally: Counter[tuple[str, str, str]]

    async def refused(
        self, name: str, document: str, variables: dict[str, Any], caller: str, before: DatabaseState
    ) -> None:
        response = await self.api.post(document, variables, as_=caller)
        where = (name, caller, variables)
        if CALLERS[caller].revoked:
            assert response.status_code == 401, (*where, response.text)
            assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"], where
        else:
            assert response.status_code == 200, (*where, response.text)
            body = response.json()
            assert body["data"] == {name: None}, (*where, body)
            assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("FORBIDDEN", [name])], where
        await self.unchanged(before, where)
        self.tally[(CALLERS[caller].role, "refused", response.json()["errors"][0]["extensions"]["code"])] += 1

    async def let_through(
        self, name: str, document: str, probe: dict[str, Any], caller: str, before: DatabaseState
    ) -> None:
        """An allowed caller passes the check; the command then refuses the probe and writes nothing."""
        body = await self.api.run(document, {"input": probe}, as_=caller)
        where = (name, caller, probe)
        assert "errors" not in body, (*where, body["errors"])
        codes = [e["code"] for e in body["data"][name]["userErrors"]]
        assert codes and "FORBIDDEN" not in codes, (*where, codes)
        await self.unchanged(before, where)
        self.tally[(CALLERS[caller].role, "allowed", "userErrors")] += 1

    async def unchanged(self, before: DatabaseState, where: Any) -> None:
        after = await snapshot(self.sessionmaker)
        assert after == before, (where, before.differences(after))


async def test_every_mutation_by_every_caller_on_its_own_and_a_foreign_object(
    api: Api, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Every mutation × 2 places × 10 callers: what docs/graphql.md lets through passes the check, the rest
    is refused with nothing written; then the same input goes through for an allowed caller."""
    await add_revoked_admin(sessionmaker, api)
    lab = Lab(sessionmaker, world.agencies, world.addresses, world.enterprises)

    declared = await declared_mutations(api)
    missing = sorted(set(declared) - set(CASES))
    assert not missing, f"no authorisation case for mutation(s) {missing}: add one to CASES"
    assert not set(CASES) - set(declared), f"cases for mutations the schema no longer has: {set(CASES) - set(declared)}"

    attempts = Attempts(api, sessionmaker, Counter())
    relations: Counter[tuple[str, str]] = Counter()
    successes = 0
    for name in sorted(declared, key=lambda n: CASES[n].last):
        case = CASES[name]
        document = f"mutation($input: {declared[name]}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"
        for place in case.places:
            inputs = await case.prepare(lab, place)
            before = await snapshot(sessionmaker)
            for caller in CALLERS:
                relations[(CALLERS[caller].role, CALLERS[caller].relation(place))] += 1
                if allowed(case, caller, place):
                    await attempts.let_through(name, document, inputs.probe, caller, before)
                else:
                    await attempts.refused(name, document, {"input": inputs.valid}, caller, before)
            # The very input every refused caller sent, from the first allowed caller.
            author = next(c for c in CALLERS if allowed(case, c, place))
            body = await api.run(document, {"input": inputs.valid}, as_=author)
            assert "errors" not in body, (name, place, author, body["errors"])
            errors = body["data"][name]["userErrors"]
            if place in case.succeeds_in:
                assert errors == [], (name, place, author, errors)
                assert await snapshot(sessionmaker) != before, (name, place, "the success wrote nothing")
                successes += 1
            else:  # authorised; the command refuses it or has nothing to do (no Wuxi agency in Daxing)
                assert "FORBIDDEN" not in {e["code"] for e in errors}, (name, place, errors)
                await attempts.unchanged(before, (name, place, author))

    total = sum(len(c.places) for c in CASES.values())
    assert sum(attempts.tally.values()) == len(declared) * 2 * len(CALLERS) == total * len(CALLERS)
    assert successes == sum(len(c.succeeds_in) for c in CASES.values())
    # Each scoped role was tried both inside and outside its scope, and each role was refused somewhere.
    for role in ("agency", "regulator"):
        assert relations[(role, "own")] and relations[(role, "foreign")], relations
    for role in ("anonymous", "partner", "agency", "regulator", "admin"):
        assert any(r == role and outcome == "refused" for r, outcome, _ in attempts.tally), (role, attempts.tally)
    assert attempts.tally[("admin", "refused", "UNAUTHENTICATED")] == total


@dataclass(frozen=True)
class Smuggle:
    """A caller acting on something it holds or governs, with a foreign object or scope inside the input."""

    caller: str
    mutation: str
    input_type: str
    make: Callable[[World], dict[str, Any]]
    expect: str  # FORBIDDEN, or the userErrors code the command refuses it with


def _premises(agency: str, place: str, host: str | None = None) -> Callable[[World], dict[str, Any]]:
    def make(w: World) -> dict[str, Any]:
        return {**premises(w.gid("Agency", agency), place), "hostUnitId": w.gid("Agency", host) if host else None}

    return make


NOTICE = {"kind": "OTHER", "title": "集群注册工作提示", "titleEn": "Notice", "body": "请按期报送。",
          "bodyEn": "Report.", "legalBasis": "DX Art.13"}  # fmt: skip
SMUGGLED = [
    Smuggle("agency", "recordContactLog", "RecordContactLogInput", lambda w: {
        "agencyId": w.gid("Agency", "daxing"), "enterpriseId": w.gid("Enterprise", "wuxi-e1"), "contactedOn": day(-1),
        "method": "phone", "reached": True}, "INVALID_INPUT"),
    Smuggle("agency-tongzhou", "recordContactLog", "RecordContactLogInput", lambda w: {
        "agencyId": w.gid("Agency", "tongzhou"), "enterpriseId": w.gid("Enterprise", "daxing-e1"),
        "contactedOn": day(-1), "method": "phone", "reached": True}, "INVALID_INPUT"),
    Smuggle("agency", "fileAddress", "FileAddressInput", _premises("daxing", "wuxi"), "INVALID_INPUT"),
    Smuggle("regulator", "fileAddress", "FileAddressInput", _premises("wuxi", "daxing"), "INVALID_INPUT"),
    Smuggle("regulator-wuxi", "fileAddress", "FileAddressInput", _premises("daxing", "daxing"), "FORBIDDEN"),
    Smuggle("regulator", "runSupervision", "RunSupervisionInput", lambda w: {"jurisdictionCode": "110000"},
            "FORBIDDEN"),
    Smuggle("regulator", "createNotice", "CreateNoticeInput", lambda w: {**NOTICE, "jurisdictionCode": "110000"},
            "FORBIDDEN"),
    Smuggle("regulator-tongzhou", "rateWuxiAgencies", "RateAgenciesInput",
            lambda w: {"jurisdictionCode": "320200", "year": RATING_AS_OF.year}, "FORBIDDEN"),
    Smuggle("regulator-beijing", "createApiKey", "CreateApiKeyInput",
            lambda w: {"name": "北京市监管", "role": "REGULATOR", "jurisdictionCode": "110000"}, "FORBIDDEN"),
    Smuggle("agency", "createApiKey", "CreateApiKeyInput",
            lambda w: {"name": "托管机构", "role": "AGENCY", "agencyId": w.gid("Agency", "daxing")}, "FORBIDDEN"),
    Smuggle("partner", "moveOutEnterprise", "MoveOutEnterpriseInput",
            lambda w: {"enterpriseId": to_global_id("Enterprise", 999_999), "expectedVersion": 1}, "FORBIDDEN"),
    # A notice of one's own jurisdiction about another's address or agency; premises filed for another
    # district's agency with oneself as host unit (which would make the caller an insider there).
    Smuggle("regulator", "createNotice", "CreateNoticeInput",
            lambda w: {**NOTICE, "jurisdictionCode": "110115", "subjectId": w.gid("Address", "wuxi-1")},
            "INVALID_INPUT"),
    Smuggle("regulator", "createNotice", "CreateNoticeInput",
            lambda w: {**NOTICE, "jurisdictionCode": "110115", "subjectId": w.gid("Agency", "wuxi")}, "INVALID_INPUT"),
    Smuggle("regulator-wuxi", "createNotice", "CreateNoticeInput",
            lambda w: {**NOTICE, "jurisdictionCode": "320205", "subjectId": w.gid("Address", "daxing-pending")},
            "INVALID_INPUT"),
    Smuggle("agency", "fileAddress", "FileAddressInput", _premises("wuxi", "wuxi", host="daxing"), "INVALID_INPUT"),
    Smuggle("agency-tongzhou", "fileAddress", "FileAddressInput", _premises("daxing", "daxing", host="tongzhou"),
            "INVALID_INPUT"),
]  # fmt: skip


async def test_a_foreign_object_inside_an_own_input_is_refused(
    api: Api, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Naming a foreign object beside an own one gets a caller nothing: the check or the command refuses
    it (a contact with an enterprise the agency does not host, premises outside the agency's district, a
    regulator's city above its district), and nothing is written."""
    before = await snapshot(sessionmaker)
    for attack in SMUGGLED:
        document = f"mutation($input: {attack.input_type}!) {{ {attack.mutation}(input: $input) {{ {PAYLOAD} }} }}"
        body = await api.run(document, {"input": attack.make(world)}, as_=attack.caller)
        where = (attack.caller, attack.mutation, body)
        if attack.expect == "FORBIDDEN":
            assert body["data"] == {attack.mutation: None}, where
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], where
        else:
            assert "errors" not in body, where
            assert [e["code"] for e in body["data"][attack.mutation]["userErrors"]] == [attack.expect], where
        after = await snapshot(sessionmaker)
        assert after == before, (where, before.differences(after))


async def test_one_document_cannot_carry_a_foreign_mutation_past_an_own_one(
    api: Api, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Mutations of one document are authorised one by one: the own one is written, the foreign one is
    refused and writes nothing; an idempotency key another caller used replays nothing for the foreign one."""
    notices = (await snapshot(sessionmaker)).counts["notices"]
    body = await api.run(
        """mutation($own: CreateNoticeInput!, $foreign: CreateNoticeInput!) {
             own: createNotice(input: $own) { notice { id } userErrors { code } }
             foreign: createNotice(input: $foreign) { notice { id } userErrors { code } } }""",
        {"own": {**NOTICE, "jurisdictionCode": "110115", "idempotencyKey": "notice-1"},
         "foreign": {**NOTICE, "jurisdictionCode": "320205", "idempotencyKey": "notice-2"}},
        as_="regulator",
    )  # fmt: skip
    assert body["data"]["own"]["userErrors"] == [] and body["data"]["foreign"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["foreign"], "FORBIDDEN")]
    before = await snapshot(sessionmaker)
    assert before.counts["notices"] == notices + 1
    for caller in ("regulator-wuxi", "partner", "anonymous"):
        replay = await api.run(
            """mutation($input: CreateNoticeInput!) { createNotice(input: $input) { notice { id } replayed } }""",
            {"input": {**NOTICE, "jurisdictionCode": "110115", "idempotencyKey": "notice-1"}},
            as_=caller,
        )
        assert replay["data"] == {"createNotice": None}, (caller, replay)
        assert [e["extensions"]["code"] for e in replay["errors"]] == ["FORBIDDEN"], (caller, replay)
        assert await snapshot(sessionmaker) == before

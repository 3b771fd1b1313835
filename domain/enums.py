"""Enumerations stored as strings; their values are the public API and open-data categories."""

from __future__ import annotations

from enum import StrEnum


class RulePack(StrEnum):
    DAXING = "DX"
    TONGZHOU = "TZ"
    WUXI = "WX"
    BEIJING = "BJ"


class AgencyRole(StrEnum):
    """托管机构 (Daxing, Wuxi), 主办单位 and 运营单位 (Tongzhou)."""

    HOSTING_AGENCY = "hosting_agency"
    HOST_UNIT = "host_unit"
    OPERATOR = "operator"


class AgencyKind(StrEnum):
    INCUBATOR = "incubator"  # 孵化器
    MAKER_SPACE = "maker_space"  # 众创空间
    PARK_OPERATOR = "park_operator"  # 产(创)业园区运营企业
    BUSINESS_SECRETARY = "business_secretary"  # 商务秘书企业
    BOOKKEEPING_AGENCY = "bookkeeping_agency"  # 代理记账企业
    ACCOUNTING_FIRM = "accounting_firm"  # 会计师事务所
    LAW_FIRM = "law_firm"  # 律师事务所
    TAX_AGENT_FIRM = "tax_agent_firm"  # 税务师事务所
    TOWNSHIP_GOVERNMENT = "township_government"  # 乡镇政府、街道办事处
    PARK_COMMITTEE = "park_committee"  # 园区管委会
    FOREIGN_INVESTMENT_TASKFORCE = "foreign_investment_taskforce"  # 外资专班
    PLATFORM_ENTERPRISE = "platform_enterprise"  # 互联网交易平台型企业 (WX Art.30)
    OTHER_ENTERPRISE = "other_enterprise"


class AgencyStatus(StrEnum):
    ACTIVE = "active"  # filed and serving
    SUSPENDED = "suspended"  # 暂停 / 停止其从事集群注册登记服务
    TERMINATING = "terminating"  # ending service (WX Art.12)
    TERMINATED = "terminated"
    DISQUALIFIED = "disqualified"  # 取消资格


class AddressKind(StrEnum):
    CLUSTER_REGISTRATION = "cluster_registration"  # 集群注册地址
    ACTUAL_BUSINESS = "actual_business"  # 实际经营地址 (Tongzhou §五(一)1)


class PremisesBasis(StrEnum):
    """The documents behind the premises (TZ §五(一)2 lists the first three and a catch-all)."""

    TITLE_DEED = "title_deed"  # 不动产权属证明
    SAFETY_APPRAISAL = "safety_appraisal"  # 房屋安全鉴定合格报告的经营性自建房
    COMPLETION_ACCEPTANCE = "completion_acceptance"  # 竣工验收
    OTHER = "other"  # 其他


class Tenure(StrEnum):
    OWNED = "owned"  # 自有
    LEASED = "leased"  # 租赁
    ENTRUSTED = "entrusted"  # 受托管理


class AddressStatus(StrEnum):
    APPLIED = "applied"
    FILED = "filed"  # 备案
    PUBLISHED = "published"  # 公示, open for registration
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    EXITING = "exiting"
    EXITED = "exited"


class EnterpriseKind(StrEnum):
    COMPANY = "company"
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户
    FOREIGN_INVESTED = "foreign_invested"  # 外商投资企业
    FOREIGN_REP_OFFICE = "foreign_rep_office"  # 外资代表机构
    BRANCH = "branch"  # 分支机构
    PARTNERSHIP = "partnership"


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"
    ABNORMAL = "abnormal"  # 经营异常名录
    MOVED_OUT = "moved_out"
    DEREGISTERED = "deregistered"
    # 歇业 (business suspension filed with the registrar): still registered at its address, but for WX
    # Art.12 it has completed. "suspended" fits the 16-character status column (a wider one would mean
    # rebuilding the table on SQLite, which cascades to its findings).
    BUSINESS_SUSPENDED = "suspended"


class FindingKind(StrEnum):
    FALSE_MATERIAL = "false_material"  # 提交虚假材料取得登记
    LOST_CONTACT = "lost_contact"  # 失联 / 通过登记的住所无法联系
    COMPLAINT = "complaint"
    SAFETY_HAZARD = "safety_hazard"


class HazardSeverity(StrEnum):
    """DX Art.13(1): the reporting department's determination of a safety hazard."""

    MAJOR = "major"  # 重大安全隐患
    GENERAL = "general"  # 一般安全隐患


class AbnormalReason(StrEnum):
    """WX Art.27 ¶2 and the national abnormal-list causes."""

    NO_ANNUAL_REPORT = "no_annual_report"
    PUBLICITY_DUTY = "publicity_duty"
    FALSIFIED_PUBLICITY = "falsified_publicity"
    UNCONTACTABLE = "uncontactable"


class CreditFactKind(StrEnum):
    ABNORMAL_LIST = "abnormal_list"  # 经营异常名录
    SERIOUS_DISHONEST = "serious_dishonest"  # 严重违法失信名单
    DISHONEST_DEBTOR = "dishonest_debtor"  # 失信被执行人
    MAJOR_ILLEGAL_CASE = "major_illegal_case"  # 重大违法案件当事人


class CreditSubject(StrEnum):
    AGENCY = "agency"
    LEGAL_REPRESENTATIVE = "legal_representative"
    INVESTOR = "investor"
    KEY_PERSONNEL = "key_personnel"


class NoticeKind(StrEnum):
    AGENCY_REGISTERED = "agency_registered"
    AGENCY_SUSPENDED = "agency_suspended"
    AGENCY_DISQUALIFIED = "agency_disqualified"
    AGENCY_TERMINATED = "agency_terminated"
    ADDRESS_PUBLISHED = "address_published"
    ADDRESS_SUSPENDED = "address_suspended"
    ADDRESS_REINSTATED = "address_reinstated"
    ADDRESS_CANCELLED = "address_cancelled"
    ADDRESS_EXIT = "address_exit"
    ADDRESS_EXITED = "address_exited"
    ABNORMAL_LIST = "abnormal_list"
    SUPERVISION = "supervision"
    OTHER = "other"


class NoticeStatus(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    PARTNER = "partner"
    AGENCY = "agency"
    REGULATOR = "regulator"
    ADMIN = "admin"
    SYSTEM = "system"

"""Bilingual labels of the coded values rule findings and refusals mention, so that no message shows a
raw code (``legal_representative``, ``other_enterprise``, ``suspended``) to a reader.

Every value of every enumeration in :mod:`domain.enums` has a label (a test checks it); a few codes that
are not enumerations (key industries, counting modes, lifecycle actions) are labelled here as well.
"""

from __future__ import annotations

from domain.key_industries import KEY_INDUSTRIES

_LABELS: dict[str, tuple[str, str]] = {
    # rule packs
    "DX": ("大兴", "Daxing"),
    "TZ": ("通州", "Tongzhou"),
    "WX": ("无锡", "Wuxi"),
    "BJ": ("北京", "Beijing"),
    # agency roles and kinds
    "hosting_agency": ("托管机构", "hosting agency"),
    "host_unit": ("主办单位", "host unit"),
    "operator": ("运营单位", "operator"),
    "incubator": ("孵化器", "incubator"),
    "maker_space": ("众创空间", "maker space"),
    "park_operator": ("产（创）业园区运营企业", "park operator"),
    "business_secretary": ("商务秘书企业", "business secretary firm"),
    "bookkeeping_agency": ("代理记账企业", "bookkeeping agency"),
    "accounting_firm": ("会计师事务所", "accounting firm"),
    "law_firm": ("律师事务所", "law firm"),
    "tax_agent_firm": ("税务师事务所", "tax agent firm"),
    "township_government": ("乡镇政府、街道办事处", "township government or sub-district office"),
    "park_committee": ("园区管委会", "park management committee"),
    "foreign_investment_taskforce": ("外资专班", "foreign-investment task force"),
    "platform_enterprise": ("互联网交易平台型企业", "online trading platform"),
    "other_enterprise": ("其他企业", "other enterprise"),
    # statuses
    "active": ("正常", "active"),
    "suspended": ("暂停", "suspended"),
    "terminating": ("终止服务中", "ending its service"),
    "terminated": ("已终止服务", "service ended"),
    "disqualified": ("已取消资格", "disqualified"),
    "applied": ("已申请", "applied"),
    "filed": ("已备案", "filed"),
    "published": ("已公示", "published"),
    "cancelled": ("已取消", "cancelled"),
    "exiting": ("退出中", "exiting"),
    "exited": ("已退出", "exited"),
    "abnormal": ("列入经营异常名录", "on the abnormal list"),
    "moved_out": ("已迁出", "moved out"),
    "deregistered": ("已注销", "deregistered"),
    "withdrawn": ("已撤回", "withdrawn"),
    # addresses
    "cluster_registration": ("集群注册地址", "cluster-registration address"),
    "actual_business": ("实际经营地址", "actual business address"),
    "title_deed": ("不动产权属证明", "title deed"),
    "safety_appraisal": ("房屋安全鉴定合格报告", "building safety appraisal"),
    "completion_acceptance": ("竣工验收", "completion acceptance"),
    "other": ("其他", "other"),
    "owned": ("自有", "owned"),
    "leased": ("租赁", "leased"),
    "entrusted": ("受托管理", "entrusted"),
    # enterprises
    "company": ("公司", "company"),
    "individual_business": ("个体工商户", "individual business"),
    "foreign_invested": ("外商投资企业", "foreign-invested enterprise"),
    "foreign_rep_office": ("外资代表机构", "foreign representative office"),
    "branch": ("分支机构", "branch"),
    "partnership": ("合伙企业", "partnership"),
    "enterprise": ("企业", "enterprise"),
    # findings, hazards, abnormal reasons, credit
    "false_material": ("提交虚假材料取得登记", "false materials"),
    "lost_contact": ("失联", "lost contact"),
    "complaint": ("投诉举报", "complaint"),
    "safety_hazard": ("安全隐患", "safety hazard"),
    "major": ("重大", "major"),
    "general": ("一般", "general"),
    "no_annual_report": ("未按时报送年度报告", "no annual report"),
    "publicity_duty": ("未按规定公示信息", "publicity duty not met"),
    "falsified_publicity": ("公示信息隐瞒真实情况、弄虚作假", "falsified publicity"),
    "uncontactable": ("通过登记的住所无法联系", "cannot be contacted at its registered address"),
    "abnormal_list": ("经营异常名录", "abnormal list"),
    "serious_dishonest": ("严重违法失信名单", "serious-dishonesty list"),
    "dishonest_debtor": ("失信被执行人名单", "list of dishonest judgment debtors"),
    "major_illegal_case": ("重大违法案件当事人", "party to a major illegal case"),
    "agency": ("机构本身", "the agency"),
    "legal_representative": ("法定代表人", "legal representative"),
    "investor": ("投资人", "investor"),
    "key_personnel": ("主要管理人员", "key personnel"),
    # notice kinds
    "agency_registered": ("托管机构登记", "agency registered"),
    "agency_suspended": ("暂停托管机构服务", "agency suspended"),
    "agency_disqualified": ("取消托管机构资格", "agency disqualified"),
    "agency_terminated": ("托管机构终止服务", "agency ended its service"),
    "address_published": ("集群注册地址公示", "address published"),
    "address_suspended": ("暂停集群注册地址", "address suspended"),
    "address_reinstated": ("恢复集群注册地址", "address reinstated"),
    "address_cancelled": ("取消集群注册地址", "address cancelled"),
    "address_exit": ("集群注册地址退出公告", "address exit"),
    "address_exited": ("集群注册地址已退出", "address exited"),
    "supervision": ("监管", "supervision"),
    # roles
    "anonymous": ("匿名", "anonymous"),
    "partner": ("合作方", "partner"),
    "regulator": ("监管部门", "regulator"),
    "admin": ("管理员", "administrator"),
    "system": ("系统", "system"),
    # SB Art.6(8) staff counting (a parameter)
    "either": ("具备本科以上学历或中级以上职称之一", "a degree or a title"),
    "both": ("同时具备本科以上学历和中级以上职称", "both a degree and a title"),
    # TZ §五(二)5: foreign-invested enterprises and representative offices as one priority
    "foreign": ("外商投资企业和外资代表机构", "foreign-invested enterprises and representative offices"),
    # lifecycle actions
    "approve": ("审核通过", "approve"),
    "publish": ("公示", "publish"),
    "suspend": ("暂停", "suspend"),
    "reinstate": ("恢复", "reinstate"),
    "cancel": ("取消", "cancel"),
    "disqualify": ("取消资格", "disqualify"),
    "begin_exit": ("开始退出", "begin the exit of"),
    "complete_exit": ("完成退出", "complete the exit of"),
    "begin_termination": ("开始终止服务", "begin ending the service of"),
    "terminate": ("终止服务", "end the service of"),
    "list_abnormal": ("列入经营异常名录", "put on the abnormal list"),
    "remove_abnormal": ("移出经营异常名录", "take off the abnormal list"),
    "move_out": ("迁出", "move out"),
    "deregister": ("注销", "deregister"),
    "file_business_suspension": ("歇业备案", "file a business suspension for"),
    "resume_business": ("恢复营业", "resume the business of"),
    "withdraw": ("撤回", "withdraw"),
    **{k: (v.name_zh, v.name_en.lower()) for k, v in KEY_INDUSTRIES.items()},
}


def zh(code: str) -> str:
    """The Chinese label of ``code`` (the code itself if it has none, which a test guards against)."""
    return _LABELS.get(code, (code, code))[0]


def en(code: str) -> str:
    """The English label of ``code``."""
    return _LABELS.get(code, (code, code))[1]


def has_label(code: str) -> bool:
    return code in _LABELS

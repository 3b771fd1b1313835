"""Every lifecycle notice cites what it acts under, per rule pack (DX Art.7/13/14, TZ §五(一)3/§五(三)8,
WX Art.10/12/23/26, Beijing's enforcement-publicity Art.13)."""

from __future__ import annotations

import pytest

from domain.commands.lifecycle_notices import _TEXTS, legal_basis
from domain.enums import NoticeKind as K

EXPECTED = {
    K.ADDRESS_PUBLISHED: {"DX": "DX Art.7", "TZ": "TZ §5.1.3", "WX": "WX Art.10"},
    K.ADDRESS_SUSPENDED: {"DX": "DX Art.13", "TZ": "TZ §5.3.8", "WX": "WX Art.26"},
    K.ADDRESS_REINSTATED: {"DX": "DX Art.13", "TZ": "TZ §5.3.8", "WX": "WX Art.26"},
    K.ADDRESS_CANCELLED: {"DX": "DX Art.13", "TZ": "TZ §5.3.8", "WX": "WX Art.26"},
    K.ADDRESS_EXIT: {"DX": "DX Art.14", "TZ": "TZ §5.3.8", "WX": "WX Art.12"},
    K.ADDRESS_EXITED: {"DX": "DX Art.14", "TZ": "TZ §5.3.8", "WX": "WX Art.12"},
    K.AGENCY_SUSPENDED: {"DX": "DX Art.13", "TZ": "TZ §5.3.8", "WX": "WX Art.26"},
    K.AGENCY_DISQUALIFIED: {"DX": "DX Art.13", "TZ": "TZ §5.3.8", "WX": "WX Art.23, 26"},
    K.AGENCY_TERMINATED: {"DX": "DX Art.14", "TZ": "TZ §5.3.8", "WX": "WX Art.12"},
}
CHINESE = {"DX Art.7": "第七条", "DX Art.13": "第十三条", "DX Art.14": "第十四条", "TZ §5.1.3": "五(一)3"}


def test_every_notice_kind_with_a_text_has_a_basis_in_every_pack():
    assert set(EXPECTED) == set(_TEXTS)


@pytest.mark.parametrize(("kind", "pack"), [(k, p) for k, packs in EXPECTED.items() for p in packs])
def test_each_notice_cites_its_article_in_both_languages(kind, pack):
    basis = legal_basis(kind, pack)
    article = EXPECTED[kind][pack]
    assert f"({article})" in basis
    if article in CHINESE:
        assert CHINESE[article] in basis
    assert basis.split(" (")[0].strip(), "the Chinese citation comes first"


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_beijing_city_notices_cite_the_enforcement_publicity_rule(kind):
    assert "BJ enforcement publicity Art.13" in legal_basis(kind, "BJ")

"""Scores: the Wuxi yearly agency rating (WX Art.21–26), the Tongzhou host-unit and address indicators
(TZ §五(三)8) and the Beijing demonstration-base evaluation (SB Art.6–7).

Each is computed from facts by the rule packs and pure functions here; the commands in
:mod:`domain.commands.scores` gather the facts and store the result, breakdown and facts in ``scores``.
"""

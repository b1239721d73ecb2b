"""Marketer-editable offer rules and the offer decisions made from them (docs/offers.md).

``rules`` (schema) · ``validation`` (field-named errors) · ``store`` and ``versions``
(versions, audit, rollback) · ``engine`` (decisions) with ``context``,
``conditions``, ``control``, ``bandit``, ``stock`` · ``ledger`` (atomic caps,
counters, events). The command line is ``python -m jobs.offers``.
"""

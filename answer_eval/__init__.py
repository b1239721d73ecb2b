"""Evaluation of grounded answers: required facts, unsupported facts, honesty, injections, latency.

Run ``python -m answer_eval --seed-demo`` (see ``__main__.py``).
"""

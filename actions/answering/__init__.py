"""Grounded answers to open questions: prompt, generation, grounding guard and fallbacks.

The answerer's own words to the customer are in ``wording.yml``.
"""

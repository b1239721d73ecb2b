"""Grounded answers to open questions: prompt, generation, grounding guard and fallbacks."""

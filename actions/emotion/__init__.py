"""Customer emotion: the detector (VADER + a trained transformer classifier), the
per-conversation emotion timeline, and the escalation policy that hands off to a person.
"""

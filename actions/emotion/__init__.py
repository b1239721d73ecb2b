"""Customer emotion: the detector, the timeline, and the escalation policy.

The detector combines VADER with a trained transformer classifier; the
per-conversation emotion timeline feeds the agent console; the escalation policy
hands a conversation to a person.
"""

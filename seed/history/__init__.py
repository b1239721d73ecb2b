"""A simulated history of the demo store's conversations, so a fresh demo shows a living console.

``python -m seed.history`` (and ``make run`` in demo mode) writes several weeks of
conversations in the formats the live product writes: tracker events, emotion timelines,
hand-offs with the agent console's audit entries, CSAT, offer events and counters.
One subject (USPS's late deliveries) rises sharply in the last days, for the topics
job's emerging-topic flag. Everything is marked demo (docs/insights.md, "Demo history").
"""

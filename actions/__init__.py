"""Brightcart action server: custom actions for the Rasa assistant, and the domain code they use.

Sub-packages, one concern each:

- ``dialogue``: Rasa ``Action`` and form-validation classes only; they coordinate.
- ``store``: the store's data (orders, products, customers, help centre, policy) read from Redis.
- ``knowledge``: passages, their embeddings and index, and retrieval of the one that answers.
- ``answering``: a grounded reply from retrieved passages: prompt, generation checks, quote.
- ``generation``: the language-model backends (embedded, local transformers, OpenAI-compatible).
- ``emotion``: the emotion reading of each message, its timeline and the escalation policy.
- ``handoff``: handing a conversation to a person, and the agents' queue.
- ``feedback``: customer satisfaction (CSAT) scores.
- ``identity``: signed customer tokens from the store's website.
- ``segments``: customer features, the K-Means segmentation and stored profiles.
- ``offers``: offer rules, their versions, the decision per turn, caps and the bandit.
- ``recommendations``: products for a customer or a request, shown as a carousel.
- ``shopping``: catalogue search from what a customer asks, and follow-ups on its results.

Modules at the top: ``services`` (the one place dependencies are built), ``settings``,
``errors`` (the error tree), ``redis_edge`` (Redis errors and bytes), ``keys`` (every
Redis key) and ``endpoint_auth`` (the shared secret Rasa must present). Offline jobs and
command-line tools live apart, in ``jobs``.
"""

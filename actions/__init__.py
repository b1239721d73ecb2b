"""Brightcart action server: custom actions for the Rasa assistant.

Sub-packages, one concern each:

- ``dialogue``: Rasa ``Action`` and form-validation classes only; they coordinate.
- ``store``: the store's data (orders, products, help centre, policy) read from Redis.
- ``knowledge``: finding the help-centre article or product that answers a question.
- ``handoff``: handing a conversation to a person.
- ``feedback``: customer satisfaction (CSAT) scores.
"""

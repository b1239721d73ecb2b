"""Handing a conversation to a person: the queue agents pick conversations from."""

"""Rasa actions and form validators. They only coordinate: services do the work."""

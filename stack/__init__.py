"""Starts and stops the whole assistant: Redis (if needed), action server, Rasa server, web app."""

"""The agent console: the handoff queue, conversation views, takeover and hand-back."""

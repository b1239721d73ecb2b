"""Customer satisfaction (CSAT) scores."""

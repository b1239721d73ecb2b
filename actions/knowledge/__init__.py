"""Finding the help-centre article or product that answers a customer's question."""

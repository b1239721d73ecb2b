"""Product recommendations: content similarity, segment best sellers and items bought together."""

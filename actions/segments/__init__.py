"""Customer segmentation: features from orders, K-Means segments in words, profiles in Redis."""

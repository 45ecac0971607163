"""Friday Digest: a serverless weekly newsletter digest pipeline."""

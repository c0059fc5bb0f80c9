"""Demo and synthetic data: fictional offices, users and households, the workflow walked
through every stage, and bulk benchmark cases. The only package that may import every
domain (besides the app factory)."""

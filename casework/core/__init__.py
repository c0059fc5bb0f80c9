"""What every domain stands on: configuration, authorization, offices, request plumbing."""

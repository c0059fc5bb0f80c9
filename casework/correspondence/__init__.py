"""Letters to families and providers: generation, approval, issue and delivery."""

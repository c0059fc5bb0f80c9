"""Rehabilitation referrals to service providers."""

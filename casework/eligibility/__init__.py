"""Eligibility review: criteria, recommendations, decisions and appeals."""

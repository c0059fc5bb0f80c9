"""Acknowledgement and apology: the facts disclosed and the apology delivered."""

"""Search: one box for case references and household members' names in Arabic or Latin."""

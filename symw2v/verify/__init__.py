"""Verdicts: general proofs in index notation, exact checks at concrete shapes, counterexamples."""

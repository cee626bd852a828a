"""Typed tensors in SymPy index notation, the rule table of operations, automatic gradients."""

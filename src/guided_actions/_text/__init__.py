"""Layer 2, text: criteria as data (Criterion, Check, Ref) and the one renderer of their text."""

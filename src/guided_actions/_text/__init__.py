"""Layer 2, text: criteria as data (Criterion, Check, Ref), the one renderer of their text, and
the message catalogues that render it in the reader's language (i18n, catalogue)."""

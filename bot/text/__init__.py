"""Text analysis: LaTeX to plain text, sentence splitting, the analyzer (terms for BM25), stop
words and spelling correction. Knows nothing of papers; everything else builds on it.
"""

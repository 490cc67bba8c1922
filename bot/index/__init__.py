"""Indexing and scoring: the papers as shown (cleaned text, sentence places), the BM25 indexes over
sentences and papers and their compiled loops, the retriever that ranks sentences and papers,
the facts catalogue built beside them, the index cache, the live corpus that reloads, and the
answer every front end renders. May import `bot.text` and `bot.corpus`; never question reading,
rendering or a transport.
"""

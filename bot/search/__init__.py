"""Search: the BM25 index over sentences, the retriever that ranks sentences and papers, the
answer every front end renders, the index cache, the live corpus that reloads, paper lookup.
May import `bot.text` and `bot.corpus`; never rendering or a transport.
"""

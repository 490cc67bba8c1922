"""Answering a question: reading what it asks (facts about the papers, chat, a topic), following
up on earlier turns of a conversation, and finding one paper by id or title, on top of the
index. May import `bot.text`, `bot.corpus` and `bot.index`; never rendering or a transport.
"""

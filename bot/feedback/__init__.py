"""Feedback: the SQLite store of unanswered questions and votes on answers, and its report.
May import the search's answer types; never rendering or a transport.
"""

"""Rendering for the terminal: answers, papers and reports as plain text, with the presentation
rules shared with Discord (snippet highlights, paging). Never imports a transport.
"""

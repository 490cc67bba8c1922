"""Measuring answer quality: BEIR benchmarks (trec_eval's measures) and question files of
paperbot's own format, asked through the same retriever as every answer.
"""

"""The `paperbot` command line. Nothing here imports discord unless Discord is asked for."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.corpus.jsonlines import json_object, read_utf8
from bot.corpus.papers import corpus_files, load_corpus, read_corpus_file
from bot.errors import PaperbotError
from bot.settings import Settings, exposed_mode, load_settings

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
# `serve` gave up reaching Discord (a passing fault: the service manager should start it again);
# 75 is EX_TEMPFAIL, "try again later". A bad setting or a rejected token is EXIT_BAD_INPUT.
EXIT_DISCORD_UNAVAILABLE = 75


class UsageError(PaperbotError):
    """Input the user can fix (a batch file line, a missing file); exits with code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except PaperbotError as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `paperbot papers | head`: the reader left; say nothing more.
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperbot",
        description="Answer questions about a researcher's papers, in Discord or a local console. "
        "With no command: run the Discord bot if DISCORD_TOKEN is set, else the local console.",
    )
    parser.set_defaults(handler=_cmd_run, corpus=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--corpus", type=Path, metavar="PATH", help="corpus file or folder (default: corpus/)"
        )
        sub.set_defaults(handler=handler)
        return sub

    ask = command("ask", _cmd_ask, "answer one question, or a file of questions with --batch")
    ask.add_argument("question", nargs="?", help="the question (quote it)")
    ask.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="JSON Lines ({id|_id, question|text}) or one question per line",
    )
    ask.add_argument(
        "--top",
        type=_positive,
        default=None,
        metavar="K",
        help="best sentences per answer (default 3)",
    )
    ask.add_argument(
        "--papers",
        type=_non_negative,
        default=10,
        metavar="N",
        help="ranked papers per answer in JSON (default 10)",
    )
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")

    papers = command("papers", _cmd_papers, "list the papers")
    papers.add_argument("--json", action="store_true", help="print a JSON array")

    paper = command("paper", _cmd_paper, "show one paper: its abstract, authors and links")
    paper.add_argument("paper", metavar="ID_OR_TITLE", help="an id, a title, a title prefix")

    serve = command("serve", _cmd_serve, "run the Discord bot (needs DISCORD_TOKEN)")
    serve.add_argument(
        "--sync",
        action="store_true",
        help="sync the slash commands with Discord even if they did not change",
    )
    commands.add_parser(
        "invite",
        help="print the link that adds the bot to a server",
        description="print the link that adds the bot to a server",
    ).set_defaults(handler=_cmd_invite)

    importer = command(
        "import", _cmd_import, "add papers from a BibTeX or JSON Lines file to the corpus"
    )
    importer.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a .bib file (Zotero, Google Scholar, arXiv, DBLP)"
        " or a .jsonl file with the corpus fields",
    )
    importer.add_argument(
        "--into",
        type=Path,
        metavar="PATH",
        help="the .toml or .jsonl file to add to (default: the corpus file, or papers.toml in "
        "the corpus folder)",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="say what would be added; change nothing"
    )

    report = command(
        "report", _cmd_report, "list unanswered questions and answers voted not helpful"
    )
    report.add_argument(
        "--since", type=_positive, metavar="DAYS", help="only the last DAYS days (default: all)"
    )
    report.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="questions per list (default 20)"
    )
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")

    evaluate = command(
        "eval", _cmd_eval, "measure answer quality on a benchmark (BEIR files) or dev questions"
    )
    evaluate.add_argument(
        "--queries",
        type=Path,
        required=True,
        metavar="FILE",
        help="BEIR queries.jsonl (SciFact evidence in 'metadata' is used), or dev questions "
        "({id, question, titles, phrase})",
    )
    evaluate.add_argument(
        "--qrels", type=Path, metavar="FILE", help="BEIR qrels TSV with a header (BEIR queries)"
    )
    evaluate.add_argument(
        "--sentences",
        type=Path,
        metavar="FILE",
        help="gold sentence lists ({doc_id, abstract: [...]}) for evidence hit@1 and hit@10",
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as one JSON line")

    command("chat", _cmd_chat, "ask questions in an interactive console")
    command("check", _cmd_check, "validate the corpus and the settings and print a summary")
    return parser


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _settings() -> Settings:
    return load_settings()


def _retriever(args: argparse.Namespace, settings: Settings | None = None):
    from bot.search.index_cache import (
        load_retriever,  # imported here so `paperbot --help` stays instant
    )

    settings = settings or _settings()
    corpus = load_corpus(args.corpus or settings.corpus_path)
    return load_retriever(corpus, cache_dir=settings.index_cache)


def _live_corpus(args: argparse.Namespace, settings: Settings):
    """The corpus the bot serves and reloads, its index kept in the index cache."""
    from bot.search.index_cache import load_retriever
    from bot.search.live_corpus import LiveCorpus

    build = functools.partial(load_retriever, cache_dir=settings.index_cache)
    return LiveCorpus(args.corpus or settings.corpus_path, build=build)


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.discord_token is None:
        print("No DISCORD_TOKEN configured: opening the local console on the bundled corpus.")
        return _cmd_chat(args, settings)
    return _serve(args, settings, force_sync=False)


def _cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args, _settings(), force_sync=args.sync)


def _serve(args: argparse.Namespace, settings: Settings, *, force_sync: bool) -> int:
    if settings.discord_token is None:
        raise UsageError(
            "DISCORD_TOKEN is not set: copy the bot token from the Developer Portal into .env"
        )
    live = _live_corpus(args, settings)
    from bot.discord_app.runner import DiscordUnavailable, run  # the CLI's one discord import

    try:
        run(settings, live, force_sync=force_sync)  # a StartupError is a PaperbotError: exit 2
    except DiscordUnavailable as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_DISCORD_UNAVAILABLE
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    from bot.discord_app.invite import invite_url

    application_id = _settings().bot_application_id()
    if application_id is None:
        raise UsageError(
            "no application id: set DISCORD_TOKEN or DISCORD_APPLICATION_ID (see .env.example)"
        )
    print(invite_url(application_id))
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings | None = None) -> int:
    from bot.cli.console import run_console

    settings = settings or _settings()
    return run_console(_retriever(args, settings), top=settings.top_k)


def _cmd_ask(args: argparse.Namespace) -> int:
    from bot.render.plain import render_answer

    if (args.question is None) == (args.batch is None):
        raise UsageError("give either a QUESTION or --batch FILE")
    settings = _settings()
    top = args.top or settings.top_k
    if args.batch is not None:
        questions = list(_read_batch(args.batch))
        retriever = _retriever(args, settings)
        for query_id, question in questions:
            answer = retriever.ask(question, top=top, papers=args.papers)
            print(json.dumps(answer.to_json(query_id), ensure_ascii=False))
        return 0
    answer = _retriever(args, settings).ask(args.question, top=top, papers=args.papers)
    if args.json:
        print(json.dumps(answer.to_json(None), ensure_ascii=False))
    else:
        print(
            render_answer(answer, more_hint="Run `paperbot papers` to see what the papers cover.")
        )
    return 0


def _read_batch(path: Path) -> Iterator[tuple[str | int, str]]:
    """(id, question) per non-blank line: a JSON object, or the line itself as the question."""
    for number, line in enumerate(read_utf8(path, UsageError).splitlines(), start=1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            yield number, line.strip()
            continue
        record = json_object(line, f"{path}:{number}", UsageError)
        question = record.get("question", record.get("text"))
        if not isinstance(question, str):
            raise UsageError(f"{path}:{number}: needs a 'question' or 'text' string")
        yield record.get("id", record.get("_id", number)), question


def _cmd_papers(args: argparse.Namespace) -> int:
    from bot.render.plain import render_paper_list
    from bot.search.documents import prepare

    corpus = load_corpus(args.corpus or _settings().corpus_path)
    papers = [prepare(paper) for paper in corpus.papers]
    if args.json:
        records = [
            {
                "id": p.id,
                "title": p.paper.title,
                "authors": list(p.paper.authors),
                "year": p.paper.year,
                "venue": p.paper.venue,
                "url": p.paper.url,
                "code_url": p.paper.code_url,
                "doi": p.paper.doi,
                "arxiv": p.paper.arxiv,
            }
            for p in papers
        ]
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(render_paper_list(papers))
    return 0


def _cmd_paper(args: argparse.Namespace) -> int:
    from bot.render.plain import render_near, render_paper
    from bot.search.documents import prepare
    from bot.search.lookup import find_paper

    corpus = load_corpus(args.corpus or _settings().corpus_path)
    found = find_paper([prepare(paper) for paper in corpus.papers], args.paper)
    if found.paper is None:
        print(render_near(args.paper, found.near), file=sys.stderr)
        return EXIT_NOT_FOUND
    print(render_paper(found.paper))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import scoring as evaluation

    queries = evaluation.read_queries(args.queries)
    is_dev = isinstance(queries[0], evaluation.DevQuestion)
    if not is_dev and args.qrels is None:
        raise UsageError("BEIR queries need --qrels FILE")
    qrels = evaluation.read_qrels(args.qrels) if not is_dev else None
    sentences = evaluation.read_sentence_lists(args.sentences) if args.sentences else None
    retriever = _retriever(args)
    if is_dev:
        report = evaluation.evaluate_dev(lambda q: retriever.ask(q, top=3), queries)
    else:
        report = evaluation.evaluate_benchmark(
            lambda q: retriever.ask(q, top=10, papers=100),
            queries,
            qrels,
            sentences,
            progress=evaluation.progress_bar,
        )
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(evaluation.render_table(report.rows()))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    settings = _settings()
    retriever = _retriever(args, settings)
    corpus = retriever.corpus
    stats = retriever.stats
    files = ", ".join(str(path) for path in corpus.sources)
    print(f"Corpus: {files}")
    print(f"  owner: {corpus.owner or '(not set)'}")
    print(f"  {stats.papers} papers, {stats.sentences} sentences, {stats.vocabulary} terms")
    print("Settings:")
    print(f"  Discord token: {'set' if settings.discord_token else 'not set (console only)'}")
    mode = exposed_mode(Path(".env"))
    if mode is not None:
        print(
            f"paperbot: warning: .env can be read by other users (mode {mode:o}), and it holds "
            "the bot token: run `chmod 600 .env`",
            file=sys.stderr,
        )
    if settings.guild_ids:
        print(f"  command guilds: {', '.join(map(str, settings.guild_ids))}")
    print(
        f"  answer size: {settings.top_k}; cooldown: {settings.cooldown_questions} questions "
        f"per {settings.cooldown_seconds:g} s; log level: {settings.log_level}"
    )
    if settings.record_questions:
        who = "with user ids" if settings.store_user_ids else "without user ids"
        print(f"  unanswered questions and votes: recorded {who} in {settings.database_path()}")
    else:
        print("  unanswered questions and votes: not recorded (PAPERBOT_RECORD_QUESTIONS=off)")
    if settings.watch_corpus:
        print("  corpus reload (Discord): when its files change, and by /reload")
    else:
        print("  corpus reload (Discord): by /reload only (PAPERBOT_WATCH_CORPUS=off)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.feedback.store import FeedbackStore
    from bot.render.plain import render_report

    settings = _settings()
    store = FeedbackStore.from_settings(settings)
    since = timedelta(days=args.since) if args.since else None
    report = store.report(since=since, limit=args.limit)
    if args.json:
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_report(report, str(store.path), recording=settings.record_questions))
    return 0


def _report_json(report) -> dict:
    return {
        "since": report.since.isoformat() if report.since else None,
        "unanswered_count": report.unanswered_count,
        "unanswered": [
            {"question": q.question, "count": q.count, "last_asked": q.last_asked.isoformat()}
            for q in report.unanswered
        ],
        "helpful_votes": report.helpful_votes,
        "unhelpful_votes": report.unhelpful_votes,
        "unhelpful": [
            {
                "question": a.question,
                "count": a.count,
                "paper_ids": list(a.paper_ids),
                "last_voted": a.last_voted.isoformat(),
            }
            for a in report.unhelpful
        ],
    }


def _cmd_import(args: argparse.Namespace) -> int:
    from bot.corpus.importing import plan_import, read_entries
    from bot.corpus.writer import append_papers

    corpus_path = args.corpus or _settings().corpus_path
    target = _import_target(args.into or corpus_path)
    files = _existing_corpus_files(corpus_path)
    others = [
        paper
        for file in files
        if file.resolve() != target.resolve()
        for paper in read_corpus_file(file)[1]
    ]
    own = read_corpus_file(target)[1] if target.exists() else []
    entries, unreadable = read_entries(args.file)
    plan = plan_import(entries, [*others, *own], unreadable)
    if plan.added and not args.dry_run:
        append_papers(target, [added.paper for added in plan.added], others)  # first: it may fail
    _print_plan(plan, target, dry_run=args.dry_run)
    if plan.added and not args.dry_run and not _serves(target, corpus_path):
        print(f"Note: {target} is not in the corpus the bot reads ({corpus_path}).")
    return 0


def _print_plan(plan, target: Path, dry_run: bool) -> None:
    if plan.added:
        verb = "Would add" if dry_run else "Added"
        print(f"{verb} {_count(len(plan.added), 'paper')} to {target}:")
        for added in plan.added:
            print(f"  + {added.paper.id}  ({added.label})")
    else:
        print(f"No new papers for {target}.")
    if plan.merged:
        print(f"Merged {_count(len(plan.merged), 'duplicate entry', 'duplicate entries')}:")
        for merged in plan.merged:
            print(f"  = {merged.label} into {merged.into} ({merged.reason})")
    if plan.skipped:
        print(f"Skipped {_count(len(plan.skipped), 'entry', 'entries')}:")
        for skipped in plan.skipped:
            print(f"  - {skipped.label}: {skipped.reason}")


def _import_target(path: Path) -> Path:
    if path.is_dir():
        return path / "papers.toml"
    if path.suffix in (".toml", ".jsonl"):
        return path
    raise UsageError(f"{path}: --into takes a .toml or .jsonl corpus file, or a folder")


def _existing_corpus_files(corpus_path: Path) -> list[Path]:
    """The corpus files that exist now; a corpus yet to be created by an import has none."""
    if not corpus_path.exists() or (corpus_path.is_dir() and not any(corpus_path.iterdir())):
        return []
    return corpus_files(corpus_path)


def _serves(target: Path, corpus_path: Path) -> bool:
    corpus = corpus_path.resolve()
    return target.resolve() == corpus or target.resolve().parent == corpus


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"

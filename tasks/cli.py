"""`memcurve` command line: generate | validate | info | export | import | report | doctor | plan.

Each subcommand is a thin wrapper over a library function. User errors (MemcurveError) print one line
to stderr and exit 2; a failed validation exits 1. Ctrl-C exits 130 and SIGTERM 143, both after the same
clean-up (temporary files removed, existing files untouched).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from memcurve.errors import MemcurveError


def _cmd_generate(args: argparse.Namespace) -> int:
    from memcurve.generators.config import build_config, load_config_file
    from memcurve.generators.feasibility import check_workers
    from memcurve.generators.generate import generate

    check_workers(args.workers)
    values = load_config_file(args.config) if args.config else {}
    for name in ("seed", "personas", "sizes", "categories", "questions_per_category", "max_evidence",
                 "questions_per_history", "templates", "start_date", "length", "change_interval_days", "overlap_levels",
                 "fillers_from", "writer", "writer_attempts"):
        value = getattr(args, name)
        if value is not None:
            values[name] = value
    config = build_config(values)
    summary = generate(config, Path(args.out), force=args.force, progress=not args.quiet, workers=args.workers)
    print(summary)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from memcurve.generators.validate import validate

    report = validate(Path(args.db))
    print(report.render())
    return 0 if report.ok else 1


def _cmd_info(args: argparse.Namespace) -> int:
    from memcurve.generators.info import describe

    print(describe(Path(args.db)))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from memcurve.generators.export import export

    written = export(Path(args.db), args.format, Path(args.out))
    print(f"wrote {len(written)} files to {args.out}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from memcurve.generators.importers import import_dataset

    print(import_dataset(args.format, Path(args.path), Path(args.out), force=args.force,
                         corrections=args.corrections))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from memcurve.evals.analysis.report import write_report

    path = write_report([Path(p) for p in args.logs], Path(args.out), prices=args.prices, force=args.force)
    print(f"report written to {path}")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from memcurve.doctor import main as doctor

    return doctor()


def _cmd_plan(args: argparse.Namespace) -> int:
    from memcurve.evals.analysis.plan import Throughput, plan
    from memcurve.evals.task_options import parse_solvers, size_list

    speed = Throughput.for_model(args.model)
    speed = Throughput(speed.overhead_s, args.prefill_tps or speed.prefill_tps, args.decode_tps or speed.decode_tps,
                       args.connections or speed.connections)
    print(plan(Path(args.source), model=args.model, solvers=list(parse_solvers(args.solvers)),
               sizes=size_list("sizes", args.sizes) if args.sizes else None,
               categories=args.categories.split(",") if args.categories else None,
               histories_per_size=args.histories_per_size, questions_per_history=args.questions_per_history,
               k=args.k, unit=args.unit, window=args.window, max_tokens=args.max_tokens, epochs=args.epochs,
               prices=args.prices, target=args.target, accuracy=args.accuracy, discordance=args.discordance,
               icc=args.icc, throughput=speed))
    return 0


def _add_plan(sub) -> None:
    plan = sub.add_parser("plan", help="samples, prompt tokens, cost, time and power of a planned run")
    plan.add_argument("source", help="a benchmark .duckdb or a generation config (YAML/JSON)")
    plan.add_argument("--model", required=True, help="the answer model, e.g. anthropic/claude-sonnet-4-5")
    plan.add_argument("--solvers", default="full_context,rag,memory:hybrid")
    plan.add_argument("--sizes", help="history sizes to run (default: all)")
    plan.add_argument("--categories", help="comma-separated categories (default: all)")
    plan.add_argument("--histories-per-size", dest="histories_per_size", type=int)
    plan.add_argument("--questions-per-history", dest="questions_per_history", type=int)
    plan.add_argument("--k", type=int, default=5, help="units a rag/memory solver keeps")
    plan.add_argument("--unit", default="round", choices=["message", "round"])
    plan.add_argument("--window", type=int, help="full_context's context window in tokens (default: no cut)")
    plan.add_argument("--max-tokens", dest="max_tokens", type=int, default=32)
    plan.add_argument("--epochs", type=int, default=1)
    plan.add_argument("--prices", help="a YAML/JSON price table overriding the built-in one")
    plan.add_argument("--target", type=float, default=0.05, help="the difference the run should detect")
    plan.add_argument("--accuracy", type=float, default=0.7, help="assumed accuracy (power)")
    plan.add_argument("--discordance", type=float, default=0.3, help="assumed share of questions the solvers split on")
    plan.add_argument("--icc", type=float, default=0.1, help="assumed correlation of questions of one history")
    plan.add_argument("--prefill-tps", dest="prefill_tps", type=float)
    plan.add_argument("--decode-tps", dest="decode_tps", type=float)
    plan.add_argument("--connections", type=int)
    plan.set_defaults(func=_cmd_plan)


def _cmd_audit(args: argparse.Namespace) -> int:
    from memcurve.generators.audit import audit

    report = audit(Path(args.db), Path(args.against) if args.against else None, k=args.k)
    print(report.render())
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memcurve", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="generate a benchmark into a DuckDB file")
    gen.add_argument("--out", required=True, help="the .duckdb file to write")
    gen.add_argument("--seed", type=int)
    gen.add_argument("--personas", type=int)
    gen.add_argument("--sizes", help="history sizes in conversations, e.g. 1,2,3,10,30 (default: ConvoMem's grid), "
                                     "or in tokens, e.g. 8k,32k,128k,512k,1m (not both)")
    gen.add_argument("--categories", help="comma-separated categories (default: all)")
    gen.add_argument("--questions-per-category", dest="questions_per_category", type=int)
    gen.add_argument("--max-evidence", dest="max_evidence", type=int, help="most evidence messages per question (1-6)")
    gen.add_argument("--questions-per-history", dest="questions_per_history", type=int)
    gen.add_argument("--start-date", dest="start_date")
    gen.add_argument("--length", choices=("real", "short"),
                     help="real: assistant replies of 150-400 tokens (default); short: brief turns for fast demos")
    gen.add_argument("--change-interval-days", dest="change_interval_days",
                     help="LOW,HIGH days a changing fact keeps one value (default 60,540)")
    gen.add_argument("--overlap-levels", dest="overlap_levels",
                     help="question wordings on the overlap ladder, cycled: some of high,medium,low (default all)")
    gen.add_argument("--templates", help="a user template pack directory, layered over the built-in pack")
    gen.add_argument("--fillers-from", dest="fillers_from",
                     help="real chats for the plain fillers: comma-separated JSON/JSONL files (OpenAI messages, "
                          "ShareGPT, UltraChat, LongMemEval) or memcurve stores, screened before use")
    gen.add_argument("--writer", help="an Inspect model that rewrites every conversation, each rewrite checked "
                                      "(e.g. anthropic/claude-haiku-4-5; off by default)")
    gen.add_argument("--writer-attempts", dest="writer_attempts", type=int,
                     help="tries per conversation before the template text stays (default 2)")
    gen.add_argument("--config", help="a YAML or JSON file of settings (flags override it)")
    gen.add_argument("--workers", type=int, help="persona worker processes (default: one per core when personas >= 8)")
    gen.add_argument("--force", action="store_true", help="replace an existing file")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_cmd_generate)

    val = sub.add_parser("validate", help="check every question of a benchmark")
    val.add_argument("db")
    val.set_defaults(func=_cmd_validate)

    info = sub.add_parser("info", help="counts, tokens, overlap and content hash")
    info.add_argument("db")
    info.set_defaults(func=_cmd_info)

    aud = sub.add_parser("audit", help="shortcut detectors, no-history baselines, BM25 recall, length and variety")
    aud.add_argument("db")
    aud.add_argument("--against", help="a second benchmark to train the detectors and majority baseline on")
    aud.add_argument("--k", type=int, default=5, help="BM25 cut-off (default 5)")
    aud.set_defaults(func=_cmd_audit)

    exp = sub.add_parser("export", help="export every table as parquet or jsonl")
    exp.add_argument("db")
    exp.add_argument("--format", choices=["parquet", "jsonl"], required=True)
    exp.add_argument("--out", required=True, help="output folder")
    exp.set_defaults(func=_cmd_export)

    imp = sub.add_parser("import", help="import a public dataset into a benchmark file")
    imp.add_argument("format", choices=["longmemeval", "locomo", "convomem"])
    imp.add_argument("path", help="the downloaded dataset file or folder")
    imp.add_argument("--out", required=True)
    imp.add_argument("--force", action="store_true")
    imp.add_argument("--corrections", action="store_true",
                     help="apply the packaged corrections of the dataset (LoCoMo: the public audit, per error "
                          "type: answer and evidence, evidence only, or a flag; LongMemEval: filler sessions drawn "
                          "twice, upstream issue #54); meta records which were applied")
    imp.set_defaults(func=_cmd_import)

    rep = sub.add_parser("report", help="markdown and figures from Inspect logs")
    rep.add_argument("logs", nargs="+", help="log files or folders")
    rep.add_argument("--out", default="results/report")
    rep.add_argument("--prices", help="a YAML/JSON price table overriding the built-in one")
    rep.add_argument("--force", action="store_true", help="replace an existing report folder")
    rep.set_defaults(func=_cmd_report)

    doc = sub.add_parser("doctor", help="versions, CPU and engine build, does the offline model run, where files go")
    doc.set_defaults(func=_cmd_doctor)

    aud = sub.add_parser("judge-audit", help="judge TPR/FPR/unparseable/kappa from judge_audit logs")
    aud.add_argument("logs", nargs="+", help="log files or folders of `inspect eval tasks/judge_audit.py` runs")
    aud.set_defaults(func=_cmd_judge_audit)

    _add_plan(sub)
    return parser


def _cmd_judge_audit(args) -> int:
    """Print the judge-audit tables of the given logs (markdown)."""
    from memcurve.evals.judge_audit import audit_markdown, read_audit

    print(audit_markdown(read_audit(args.logs)), end="")
    return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every `finally` and atomic writer cleans up the same way."""


_signalled: list[int] = []  # SIGTERM seen: DuckDB turns the exception into its own "Query interrupted"


def _on_sigterm(signum, frame) -> None:
    _signalled.append(signum)
    raise Terminated()


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C or SIGTERM, including inside a DuckDB query (which raises RuntimeError 'Query interrupted')."""
    import duckdb

    return isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(exc, RuntimeError) and "Query interrupted" in str(exc))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except MemcurveError as exc:
        print(f"memcurve: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `memcurve info DB | head`: the reader left, which is fine
        sys.stdout = open(os.devnull, "w")
        return 0
    except BaseException as exc:  # noqa: BLE001 (re-raised unless it is an interrupt)
        if not _interrupted(exc):
            raise
        print("memcurve: interrupted; nothing was written", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) or _signalled else 130


if __name__ == "__main__":
    sys.exit(main())

"""The ``taizhang`` command: one verb per job.

    taizhang targets list|export|check     the target registry
    taizhang sample                        write the deterministic sample returns
    taizhang evaluate                      print the ledger of one plan at one month
    taizhang run                           render reports (papermill + nbconvert)

Exit codes: 0 success; 1 a check failed or input was rejected; 2 usage error (unknown option, bad parameter).
Every message is Chinese; taizhang errors never show a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import ParameterError, TaizhangError
from .project import PLAN_IDS

_ARGPARSE_ZH = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)", r"参数 \1 的取值“\2”无效，可选：\3"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个取值"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"invalid choice: '([^']*)' \(choose from (.*)\)", r"无效的命令“\1”，可选：\2"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"one of the arguments (.*) is required", r"须指定以下参数之一：\1"),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse API
        for pattern, zh in _ARGPARSE_ZH:
            if re.search(pattern, message):
                message = re.sub(pattern, zh, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：{message}\n")


def _period(text: str) -> str:
    from .report import check_period

    return check_period(text)


def _plan_arg(p: argparse.ArgumentParser, required: bool = True, help_: str = "方案编号") -> None:
    p.add_argument("--plan", choices=PLAN_IDS, required=required, help=help_)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="taizhang", description="政务服务目标台账：按实施方案的目标和期限，逐月评估各地区进展并生成台账报告。")
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser, metavar="命令")

    t = sub.add_parser("targets", help="目标登记册：列出、导出、校验")
    tsub = t.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="操作")
    tl = tsub.add_parser("list", help="列出目标")
    _plan_arg(tl, required=False, help_="只列出该方案（默认全部）")
    tl.add_argument("--kind", choices=("quantitative", "recurring", "milestone"), help="只列出该类目标")
    te = tsub.add_parser("export", help="导出目标清单（CSV 或 Excel）")
    te.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="导出格式（默认 csv）")
    _plan_arg(te, required=False, help_="只导出该方案（默认全部）")
    te.add_argument("--out", type=Path, help="输出文件；CSV 默认输出到屏幕，xlsx 必须指定")
    tsub.add_parser("check", help="按严格格式和出处规则校验登记册")

    s = sub.add_parser("sample", help="生成确定性的样例报表（inputs/sample/<方案>/）")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--plan", choices=PLAN_IDS, help="方案编号")
    g.add_argument("--all-plans", action="store_true", help="全部五个方案")
    s.add_argument("--out", type=Path, help="输出文件夹（默认 inputs/sample）")

    ev = sub.add_parser("evaluate", help="评估某方案截至某月的目标状态，输出台账")
    _plan_arg(ev)
    ev.add_argument("--as-of", required=True, type=str, help="统计月份 YYYY-MM")
    ev.add_argument("--inputs", type=Path, help="报表文件夹（默认样例数据）")
    ev.add_argument("--format", choices=("csv",), default="csv", help="输出格式")

    r = sub.add_parser("run", help="执行台账笔记本并生成报告（HTML）")
    _plan_arg(r)
    r.add_argument("--period", help="统计月份 YYYY-MM（默认：报表中最新的月份）")
    r.add_argument("--inputs", type=Path, help="报表文件夹（默认样例数据 inputs/sample/<方案>）")
    r.add_argument("--out", type=Path, help="报告输出目录（默认 reports/）")
    return parser


def _cmd_targets(args) -> int:
    from .targets import check_registry, export_frame, load_registry

    if args.action == "check":
        problems = check_registry()
        if problems:
            print(f"目标登记册有 {len(problems)} 处问题：", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            return 1
        reg = load_registry()
        n = sum(len(p.targets) for p in reg.plans.values())
        print(f"目标登记册校验通过：{len(reg.plans)} 个方案，{n} 条目标，{len(reg.metrics)} 个指标（版本 {reg.version}）。")
        return 0
    reg = load_registry()
    frame = export_frame(reg, args.plan)
    if args.action == "list":
        if args.kind:
            frame = frame[frame["kind"] == args.kind]
        for r in frame.itertuples(index=False):
            print(f"{r.target_id}\t{r.section}\t{r.kind}\t{r.deadline or '期限未明确'}\t{r.title}")
        print(f"共 {len(frame)} 条。", file=sys.stderr)
        return 0
    if args.format == "csv":
        if args.out:
            frame.to_csv(args.out, index=False, encoding="utf-8-sig")
            print(args.out)
        else:
            frame.to_csv(sys.stdout, index=False)
        return 0
    if not args.out:
        raise ParameterError("--out", None, "导出 xlsx 时必须指定输出文件，例如 --out 目标清单.xlsx")
    from .excel import write_targets_xlsx

    write_targets_xlsx(frame, args.out)
    print(args.out)
    return 0


def _cmd_sample(args) -> int:
    from .project import inputs_dir
    from .sample import ensure_sample
    from .targets import load_registry

    reg = load_registry()
    out = args.out or inputs_dir() / "sample"
    for plan in (PLAN_IDS if args.all_plans else [args.plan]):
        ensure_sample(reg, plan, out / plan)
        n = len(list((out / plan).glob("*.xlsx")))
        print(f"{plan}：{n} 份样例报表 → {out / plan}")
    return 0


def _latest_period(folder: Path) -> str:
    from .returns import FILE_RE, find_return_files

    periods = [m.group("period") for f in find_return_files([folder]) if (m := FILE_RE.match(f.name))]
    if not periods:
        raise ParameterError("--inputs", str(folder), "含有 <单位>_<YYYY-MM>.xlsx 报表的文件夹")
    return max(periods)


def _cmd_evaluate(args) -> int:
    from .report import MonthlyReport

    report = MonthlyReport.build(plan=args.plan, period=_period(args.as_of), inputs=args.inputs)
    cols = ["unit", "target_id", "metric", "status", "status_label", "value", "threshold", "gap", "deadline",
            "days_to_deadline", "reason", "unit_name", "title", "kind"]
    report.ledger[cols].to_csv(sys.stdout, index=False)
    return 0


def _cmd_run(args) -> int:
    from .render import render_monthly
    from .report import default_inputs

    folder = args.inputs or default_inputs(args.plan)
    period = _period(args.period) if args.period else None
    if args.inputs and not folder.exists():
        raise ParameterError("--inputs", str(folder), "存在的报表文件夹")
    if not args.inputs:
        from .sample import ensure_sample
        from .targets import load_registry

        if ensure_sample(load_registry(), args.plan, folder):
            print(f"已生成样例数据：{folder}", file=sys.stderr)
    period = period or _latest_period(folder)
    result = render_monthly(args.plan, period, inputs=args.inputs, out=args.out)
    print(result.html)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``taizhang`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"targets": _cmd_targets, "sample": _cmd_sample, "evaluate": _cmd_evaluate, "run": _cmd_run}
    try:
        return handlers[args.verb](args)
    except TaizhangError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130

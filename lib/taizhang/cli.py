"""The ``taizhang`` command: one verb per job.

    taizhang targets list|export|check     the target registry
    taizhang targets draft|import          a new plan: draft its targets from the text, import the review
    taizhang sample                        write the deterministic sample returns
    taizhang evaluate                      print the ledger of one plan at one month
    taizhang run                           render reports (papermill + nbconvert)
    taizhang supervise                     督办事项: open, follow, close (see taizhang.supervision.cli)

Exit codes: 0 success; 1 a check failed or input was rejected; 2 usage error (unknown option, bad parameter).
Every message is Chinese; taizhang errors never show a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import ParameterError, TaizhangError

_ARGPARSE_ZH = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)", r"参数 \1 的取值“\2”无效，可选：\3"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个取值"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"invalid choice: '([^']*)' \(choose from (.*)\)", r"无效的命令“\1”，可选：\2"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"one of the arguments (.*) is required", r"须指定以下参数之一：\1"),
]


class _Formatter(argparse.HelpFormatter):
    """argparse's help in Chinese: "用法：" instead of "usage: "."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and error messages are Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def print_usage(self, file=None) -> None:
        self._print_message(self.format_usage(), file or sys.stderr)

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


_STORE_HELP = "数据库文件（默认 inputs/taizhang.sqlite，即 taizhang ingest 写入的数据库）"
_SAMPLE_HELP = "使用程序生成的样例数据（报告每页和文件名标注“样例数据，非真实报送”）"
_FORCE_HELP = "统计月份晚于最新数据或晚于当月时仍然生成（首页标注强制生成）"
_PLAN_HELP = "方案编号（targets/plans/ 中的方案，taizhang targets list 可查）"


def _plan_arg(p, required: bool = True, help_: str = _PLAN_HELP) -> None:
    """``--plan``: any id; checked against the loaded registry by :func:`_check_plan` (a new plan is data)."""
    p.add_argument("--plan", required=required, metavar="方案编号", help=help_)


def _check_plan(args) -> None:
    """Reject a ``--plan`` that is not in the registry, naming the registry's plans (in plan order)."""
    plan = getattr(args, "plan", None)
    if plan is None:
        return
    from .targets import load_registry

    registry = load_registry()
    if plan not in registry.plans:
        raise ParameterError("--plan", plan, "目标登记册中的方案编号之一：" + registry.plan_choices())


def build_parser() -> argparse.ArgumentParser:
    """The ``taizhang`` parser: one sub-parser per verb, in the order of the help."""
    parser = _Parser(prog="taizhang", description="政务服务目标台账：按实施方案的目标和期限，逐月评估各地区进展并生成台账报告。")
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser, metavar="命令")
    _add_targets(sub)
    _add_sample(sub)
    _add_template(sub)
    _add_ingest(sub)
    _add_evaluate(sub)
    _add_run(sub)
    # ---- supervise (督办 → 整改 → 销号, issue 14): parser and handlers live in taizhang.supervision.cli
    from .supervision.cli import add_parser as _add_supervise

    _add_supervise(sub, _plan_arg)
    return parser


def _add_targets(sub) -> None:
    """The ``targets`` verb: list, export and check the registry; draft and import a new plan."""
    t = sub.add_parser("targets", help="目标登记册：列出、导出、校验；起草和导入新方案")
    tsub = t.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="操作")
    tl = tsub.add_parser("list", help="列出目标")
    _plan_arg(tl, required=False, help_="只列出该方案（默认全部）")
    tl.add_argument("--kind", metavar="类别", help="只列出该类目标（类别编号或中文名，如 milestone 或 节点任务）")
    te = tsub.add_parser("export", help="导出目标清单（CSV 或 Excel）")
    te.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="导出格式（默认 csv）")
    _plan_arg(te, required=False, help_="只导出该方案（默认全部）")
    te.add_argument("--out", type=Path, help="输出文件；CSV 默认输出到屏幕，xlsx 必须指定")
    tsub.add_parser("check", help="按严格格式和出处规则校验登记册")
    td = tsub.add_parser("draft", help="从新方案原文起草候选目标，生成审核表（Excel）和 YAML 草稿")
    td.add_argument("text", type=Path, metavar="方案原文", help="方案原文：纯文本（UTF-8 或 GB18030）或 .docx")
    td.add_argument("--plan", required=True, dest="new_plan", metavar="新方案编号",
                    help="新方案的编号（小写字母、数字和“-”，例如 yunxi-2025）")
    td.add_argument("--out", type=Path, help="输出文件夹（默认 targets/drafts/<新方案编号>/）")
    td.add_argument("--issuer", help="发文单位（原文开头没有写明时填写）")
    td.add_argument("--date", help="发文日期 YYYY-MM-DD（原文开头没有写明时填写；只写月份的期限按此推定年份）")
    td.add_argument("--title", help="方案名称（原文开头没有写明时填写）")
    ti = tsub.add_parser("import", help="导入审核后的审核表，写入方案文件、单位文件和新指标")
    ti.add_argument("workbook", type=Path, metavar="审核表", help="taizhang targets draft 生成并经审核的 .xlsx")
    ti.add_argument("--replace", action="store_true", help="替换登记册中已有的同编号方案")


def _add_sample(sub) -> None:
    """The ``sample`` verb: one plan (``--plan``) or all of them (``--all-plans``)."""
    s = sub.add_parser("sample", help="生成确定性的样例报表（inputs/sample/<方案>/）")
    g = s.add_mutually_exclusive_group(required=True)
    _plan_arg(g, required=False)
    g.add_argument("--all-plans", action="store_true", help="登记册中的全部方案")
    s.add_argument("--out", type=Path, help="输出文件夹（默认 inputs/sample）")


def _add_template(sub) -> None:
    """The ``template`` verb: the monthly return templates of one plan and month."""
    tp = sub.add_parser("template", help="生成各单位的月度报表模板（Excel）")
    _plan_arg(tp)
    tp.add_argument("--period", required=True, help="统计月份 YYYY-MM")
    tp.add_argument("--unit", help="只生成该单位（编号、名称或别名；默认全部单位各一份）")
    tp.add_argument("--out", type=Path, help="输出文件夹（默认 inputs/templates/<方案>/<月份>）")
    tp.add_argument("--store", type=Path, help="数据库文件（如 inputs/taizhang.sqlite）：模板预填各单位未销号的督办事项"
                    "（整改情况表）和已报完成的任务；不指定则生成空白模板")  # issue 14


def _add_ingest(sub) -> None:
    """The ``ingest`` verb: check returns and write the accepted ones to the store."""
    ing = sub.add_parser("ingest", help="校验报表并导入数据库（文件或文件夹）")
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="报表文件或文件夹（.xlsx/.xlsm/.csv）")
    ing.add_argument("--store", type=Path, help="数据库文件（默认 inputs/taizhang.sqlite）")
    _plan_arg(ing, required=False, help_="按该方案校验（默认按表中的方案编号、文件夹名或单位名判断）")
    ing.add_argument("--feedback", type=Path, help="退回修改清单输出文件夹（默认数据库旁的“退回修改清单”）")
    ing.add_argument("-q", "--quiet", action="store_true", help="只显示退回的文件和汇总")


def _add_evaluate(sub) -> None:
    """The ``evaluate`` verb: its period, data source, view and evaluation settings."""
    ev = sub.add_parser("evaluate", help="评估某方案截至某月的目标状态，输出台账")
    _plan_arg(ev)
    evp = ev.add_mutually_exclusive_group(required=True)
    evp.add_argument("--period", help="统计月份 YYYY-MM")
    evp.add_argument("--as-of", help="统计月份 YYYY-MM（旧名，同 --period，将停用）")
    evsrc = ev.add_mutually_exclusive_group()
    evsrc.add_argument("--store", type=Path, help=_STORE_HELP)
    evsrc.add_argument("--inputs", type=Path, help="报表文件夹（不经数据库，直接读取报表文件）")
    evsrc.add_argument("--sample", action="store_true", help=_SAMPLE_HELP)
    ev.add_argument("--force", action="store_true", help=_FORCE_HELP)
    ev.add_argument("--format", choices=("csv",), default="csv", help="输出格式")
    ev.add_argument("--view", choices=("ledger", "changes", "ranking", "score", "score-items"), default="ledger",
                    help="输出内容：ledger 台账（默认）、changes 与上月相比的变化、ranking 各指标单位排名、"
                         "score 各单位加权分档得分、score-items 得分明细（后两项须用 --scoring 指定评分方案）")
    ev.add_argument("--scoring", metavar="名称", help="评分方案（targets/scoring/<名称>.yaml 或 .yaml 文件路径）；"
                    "原文未规定权重，默认不评分")
    ev.add_argument("--due-soon-days", type=int, help="临期预警天数，用于月中日期（默认 60，即 Settings 的默认值）")
    ev.add_argument("--due-soon-months", type=int, help="临期预警月数，用于按月评估（默认 2，即 Settings 的默认值）")
    ev.add_argument("--stale-months", type=int, help="数据超过几个月未更新视为过期（默认 3，即 Settings 的默认值）")
    ev.add_argument("--assume", action="append", default=[], metavar="目标编号=YYYY-MM-DD",
                    help="为期限未明确的目标假定期限（可重复）；报告中标注为假定期限")


def _add_run(sub) -> None:
    """The ``run`` verb: which report, of what, from which data source, in which formats."""
    r = sub.add_parser("run", help="执行报告笔记本，生成 HTML、PDF 和 Excel 报告（reports/<方案>/<月份>/）")
    rg = r.add_mutually_exclusive_group()
    _plan_arg(rg, required=False)
    rg.add_argument("--all-plans", action="store_true", help="登记册中的全部方案")
    r.add_argument("--period", help="统计月份 YYYY-MM（默认：数据中最新的月份）")
    from .reports.specs import BY_CLI, cli_help

    r.add_argument("--report", choices=tuple(BY_CLI), default="monthly", help=cli_help())
    r.add_argument("--unit", action="append", default=[], help="单位台账的单位（编号或名称，可重复；默认该方案全部单位）")
    r.add_argument("--metric", help="跨方案对比的指标（编号或中文名，默认 one_window_rate）")
    r.add_argument("--formats", default="html,pdf,xlsx", help="输出格式，逗号分隔：html,pdf,xlsx,docx（默认 html,pdf,xlsx；docx 为 Word 通报）")
    rsrc = r.add_mutually_exclusive_group()
    rsrc.add_argument("--store", type=Path, help=_STORE_HELP)
    rsrc.add_argument("--inputs", type=Path, help="报表文件夹（不经数据库，直接读取报表文件）")
    rsrc.add_argument("--sample", action="store_true", help=_SAMPLE_HELP)
    r.add_argument("--force", action="store_true", help=_FORCE_HELP)
    r.add_argument("--out", type=Path, help="报告输出目录（默认 reports/）")
    r.add_argument("--scenario", default="", help="情景名称（targets/scenarios/<名称>.yaml）；报告首页注明情景并列出全部调整")
    r.add_argument("--assume", action="append", default=[], metavar="目标编号=YYYY-MM-DD",
                   help="为期限未明确的目标假定期限（可重复）；报告中标注为假定期限")
    r.add_argument("--no-progress", action="store_true", help="不显示进度条")


def _cmd_targets(args) -> int:
    from .targets import KIND_LABELS, check_registry, export_frame, load_registry

    if args.action == "draft":
        return _targets_draft(args)
    if args.action == "import":
        from .drafting import import_workbook

        res = import_workbook(args.workbook, replace=args.replace)
        for path in res["written"]:
            print(path)
        print(f"已导入方案 {res['plan']}：{res['targets']} 条目标，{res['units']} 个填报单位，"
              f"新增 {res['new_metrics']} 个指标；登记册校验通过。", file=sys.stderr)
        return 0
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
        if args.kind:  # a code or its Chinese label
            kind = next((k for k, v in KIND_LABELS.items() if args.kind.strip() in (k, v)), None)
            if kind is None:
                raise ParameterError("--kind", args.kind, "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items()))
            frame = frame[frame["kind"] == kind]
        for line in _target_lines(frame):
            print(line)
        print(f"共 {len(frame)} 条。", file=sys.stderr)
        return 0
    if args.format == "csv":
        from .kernel.formatting import csv_ready

        if args.out:
            csv_ready(frame).to_csv(args.out, index=False, encoding="utf-8-sig")
            print(args.out)
        else:
            _write_csv(frame)
        return 0
    if not args.out:
        raise ParameterError("--out", None, "输出文件（导出 xlsx 时必须指定），例如 --out 目标清单.xlsx")
    from .excel import write_targets_xlsx

    write_targets_xlsx(frame, args.out)
    print(args.out)
    return 0


#: the columns of ``taizhang targets list``, left to right (headed as in the Excel export, TARGET_HEADERS)
LIST_COLUMNS = ("target_id", "section", "kind", "deadline", "title")


def _target_lines(frame) -> list[str]:
    """The lines ``taizhang targets list`` prints: a header naming the :data:`LIST_COLUMNS`, then one row per
    target, tab-separated alike (a terminal puts tab stops by display width, so the double-width Chinese
    header lines up with the rows as well as the rows do with each other)."""
    from .excel import TARGET_HEADERS
    from .targets import KIND_LABELS

    lines = ["\t".join(TARGET_HEADERS[c] for c in LIST_COLUMNS)]
    for r in frame.itertuples(index=False):
        lines.append(f"{r.target_id}\t{r.section}\t{KIND_LABELS[r.kind]}\t{r.deadline or '期限未明确'}\t{r.title}")
    return lines


def _targets_draft(args) -> int:
    from datetime import date

    from .drafting import draft_plan

    issued = None
    if args.date:
        try:
            issued = date.fromisoformat(args.date.strip())
        except ValueError:
            raise ParameterError("--date", args.date, "YYYY-MM-DD 格式的日期，例如 2025-02-10") from None
    res = draft_plan(args.text, args.new_plan, out_dir=args.out, issuer=args.issuer, issued=issued, title=args.title)
    for key in ("workbook", "yaml", "source"):
        print(res[key])
    info = res["info"]
    missing = [k for k in ("方案名称", "发文单位", "发文日期") if not info.get(k)]
    print(f"已起草 {res['candidates']} 条候选目标（建议采纳 {res['adopted']} 条，建议新增指标 {res['new_metrics']} 个）。"
          "请在审核表中逐条核对后运行 taizhang targets import " + str(res["workbook"]), file=sys.stderr)
    if missing:
        print(f"注意：原文开头未写明{'、'.join(missing)}，请在审核表“方案信息”中填写"
              "（或用 --issuer、--date、--title 重新起草）。", file=sys.stderr)
    return 0


def _cmd_sample(args) -> int:
    from .project import inputs_dir
    from .sample import ensure_sample
    from .targets import load_registry

    reg = load_registry()
    out = args.out or inputs_dir() / "sample"
    for plan in (reg.plan_ids if args.all_plans else [args.plan]):
        ensure_sample(reg, plan, out / plan)
        n = len(list((out / plan).glob("*.xlsx")))
        print(f"{plan}：{n} 份样例报表 → {out / plan}")
    return 0


def _cmd_template(args) -> int:
    from .project import inputs_dir
    from .targets import load_registry
    from .template import write_templates

    period = _period(args.period)
    out = args.out or inputs_dir() / "templates" / args.plan / period
    if args.store is not None and not args.store.is_file():  # issue 14: prefill 督办事项 and completed tasks
        raise ParameterError("--store", str(args.store), "已存在的数据库文件")
    paths = write_templates(load_registry(), args.plan, period, out, unit=args.unit, store=args.store)
    for p in paths:
        print(p)
    print(f"已生成 {len(paths)} 份报表模板 → {out}", file=sys.stderr)
    return 0


def _cmd_ingest(args) -> int:
    from .returns import RETURN_FORMATS_TEXT, scan_paths, skip_reason
    from .safetext import one_line, visible
    from .store import default_store, ingest

    for p in args.paths:
        if not p.exists() and not p.is_symlink():  # a dangling symlink is a file to refuse, not a usage error
            raise ParameterError("PATH", str(p), "存在的报表文件或文件夹")
    files, skipped = scan_paths(args.paths)
    for p in skipped:  # one outcome line each; neither rejected nor logged in the store, exit code unchanged
        if not args.quiet:
            print(f"跳过：{one_line(p.name)} {skip_reason(p)}")
    if not files:  # a usage error (exit 2): nothing was read and no store is created
        given = "、".join(one_line(str(p)) for p in args.paths)
        err = ParameterError("PATH", given, "含有报表文件的文件或文件夹")
        where = f"{given} 中没有报表文件" if any(p.is_dir() for p in args.paths) else f"{given} 不是报表文件"
        err.message = (f"{where}（报表应为 {RETURN_FORMATS_TEXT}），未导入任何文件，也未创建或修改数据库。"
                       "请指定各单位报送的报表文件或存放报表的文件夹。")
        raise err
    from .returns import plan_label, unit_label
    from .targets import load_registry

    registry = load_registry()
    store = args.store or default_store()
    counts = {"accepted": 0, "rejected": 0, "unchanged": 0, "repeated": 0}

    def show(res) -> None:
        # an identical copy of a file rejected before is still rejected: counted and explained as such
        repeated = res.outcome == "unchanged" and not res.ok
        counts["rejected" if repeated else res.outcome] += 1
        counts["repeated"] += repeated
        if args.quiet and res.ok:
            return
        if res.outcome == "accepted":
            print(f"接收  {one_line(res.file.name)}（{plan_label(registry, res.plan)} {unit_label(registry, res.plan, res.unit)} "
                  f"{res.period}，第 {res.revision} 版，{res.rows} 项）")
        elif res.ok:
            print(f"未改动 {one_line(res.file.name)}（内容与已接收的文件相同）")
        else:
            print(f"退回  {one_line(res.title or res.file.name + '：无法接收')}")
            for p in res.problems:  # messages are made safe where they are made; names and paths here too
                print(f"  - {visible(str(p))}")
            if res.feedback:
                print(f"  退回修改清单：{one_line(str(res.feedback))}")

    results = ingest(args.paths, store=store, registry=registry, plan_id=args.plan, feedback_dir=args.feedback,
                     progress=show)
    bad = sum(1 for r in results if not r.ok)
    from .supervision.notices import print_outstanding  # issue 14: 催报 — who is still outstanding or late

    print_outstanding(store, registry, results)
    repeated = f"（其中 {counts['repeated']} 份与此前退回的文件相同，未修改）" if counts["repeated"] else ""
    print(f"共 {len(results)} 份：接收 {counts['accepted']}，退回 {counts['rejected']}{repeated}，"
          f"未改动 {counts['unchanged']}" + (f"；跳过 {len(skipped)} 个非报表文件" if skipped else "")
          + f"（数据库 {store}）", file=sys.stderr)
    return 1 if bad else 0


EVALUATE_CSV_COLUMNS = [
    "unit", "target_id", "metric", "status", "status_label", "value", "threshold", "gap", "deadline",
    "days_to_deadline", "projected_value", "projected_met", "reason", "unit_name", "title", "kind",
    "value_period", "deadlines_all", "deadline_assumed", "baseline", "baseline_period", "required_value",
    "progress_ratio", "trend_points", "data_age_months", "periods_missed", "due_soon_flag", "done_date",
    "status_note",
]


def write_csv(frame) -> None:
    """A CSV on stdout without float noise or −0.0 (:func:`taizhang.kernel.formatting.csv_ready`), as UTF-8
    with a byte-order mark (``utf-8-sig``, like every CSV file we write) so that Excel on Windows shows the
    Chinese of ``taizhang evaluate … > 台账.csv``; the bytes go to the stream's buffer, whatever the console's
    own encoding (GBK on a Chinese Windows) is."""
    from .kernel.formatting import csv_ready

    text = csv_ready(frame).to_csv(index=False)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (a notebook's, a test's StringIO)
        sys.stdout.write("\ufeff" + text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8-sig"))
    buffer.flush()


_write_csv = write_csv


def _assumed_deadlines(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        tid, sep, when = item.partition("=")
        if not sep or not tid.strip() or not re.match(r"^\d{4}-\d{2}-\d{2}$", when.strip()):
            raise ParameterError("--assume", item, "目标编号=YYYY-MM-DD，例如 artux.3-2-1.one-thing=2025-12-31")
        out[tid.strip()] = when.strip()
    return out


def _cmd_evaluate(args) -> int:
    from .evaluate import Settings, evaluate, month_over_month, previous_month, rank_units
    from .targets import load_registry

    from .source import DataSource, month_beyond_data

    name, given_period = ("--period", args.period) if args.period else ("--as-of", args.as_of)
    if args.as_of:
        print("注意：--as-of 是旧名，请改用 --period。", file=sys.stderr)
    try:
        as_of = _period(given_period)
    except ParameterError as err:
        raise ParameterError(name, given_period, err.allowed) from None
    registry = load_registry()
    source = DataSource.of(args.plan, args.inputs, args.store, sample=args.sample)
    returns = source.load(registry, args.plan)
    beyond = month_beyond_data(returns, as_of)
    if beyond and not args.force:
        raise ParameterError(name, given_period, f"有数据的月份——{beyond}；如确需评估，请加 --force")
    if beyond:
        print(f"注意：{beyond}，按 --force 强制评估，各项沿用此前的数据。", file=sys.stderr)
    if source.sample_files(returns):
        print(f"注意：所用数据为{source.label}。", file=sys.stderr)
    given = {"due_soon_days": args.due_soon_days, "due_soon_months": args.due_soon_months,
             "stale_months": args.stale_months}
    try:
        settings = Settings.of(**{k: v for k, v in given.items() if v is not None})
    except ParameterError as err:
        raise ParameterError("--" + err.parameter.replace("_", "-"), err.given, err.allowed) from None
    options = dict(assumed_deadlines=_assumed_deadlines(args.assume))
    if args.view == "ranking":
        _write_csv(rank_units(registry, args.plan, returns, as_of, settings=settings))
        return 0
    if args.view in ("score", "score-items") or args.scoring:
        from .scoring import ScoringRequired, load_scoring, score_units

        if args.view not in ("score", "score-items"):
            raise ParameterError("--view", args.view, "score 或 score-items（与 --scoring 一起使用）")
        if not args.scoring:
            raise ScoringRequired(args.plan)
        scoring = load_scoring(args.scoring, registry, args.plan)
        totals, items = score_units(registry, args.plan, returns, as_of, scoring)
        if scoring.example:
            print(f"注意：评分方案“{scoring.title}”是示例，原文未规定权重与分档，结果不作考核依据。", file=sys.stderr)
        _write_csv(totals if args.view == "score" else items)
        return 0
    ledger = evaluate(registry, args.plan, returns, as_of, settings, **options)
    if args.view == "changes":
        before = evaluate(registry, args.plan, returns, previous_month(as_of), settings, **options)
        _write_csv(month_over_month(ledger, before))
        return 0
    _write_csv(ledger[EVALUATE_CSV_COLUMNS])
    if returns.rejected:
        print(f"注意：有 {len(returns.rejected)} 份报表未通过校验，未计入台账。", file=sys.stderr)
    return 0


def _cmd_run(args) -> int:
    from .render import REPORTS, Job, run_jobs
    from .report import check_metric, check_unit, latest_period
    from .source import DataSource, month_beyond_data
    from .targets import load_registry

    notebook = REPORTS[args.report]
    from .render import FORMATS
    from .reports.specs import SPECS

    spec = SPECS[notebook]
    takes = set(spec.parameter_help)  # what the report's spec says it takes
    for name, given in (("unit", "、".join(args.unit)), ("metric", args.metric)):
        if given and name not in takes:  # never silently ignored: name the reports that take it
            from .errors import OptionNotTakenError

            takers = [f"--report {s.cli}（{s.cli_help}）" for s in SPECS.values() if name in s.parameter_help]
            raise OptionNotTakenError(f"--{name}", given, args.report, takers)

    formats = tuple(f.strip().lower() for f in args.formats.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ParameterError("--formats", args.formats, "、".join(FORMATS) + " 中的一个或多个，用逗号分隔")
    registry = load_registry()
    if spec.scope == "metric":
        default = next(p.default for p in spec.parameters if p.name == "metric")
        jobs = [Job(notebook, metric=check_metric(registry, args.metric or default))]
    else:
        if not args.plan and not args.all_plans:
            raise ParameterError("--plan", None, "方案编号之一：" + registry.plan_choices() + "；或使用 --all-plans")
        plans = registry.plan_ids if args.all_plans else (args.plan,)
        if args.unit and len(plans) > 1:
            raise ParameterError("--unit", "、".join(args.unit), "与单个 --plan 一起使用")
        period = _period(args.period) if args.period else ""
        jobs = []
        for plan in plans:
            inputs = str(args.inputs or "")
            if "period" not in takes:
                jobs.append(Job(notebook, plan=plan))
                continue
            source = DataSource.of(plan, args.inputs, args.store, sample=args.sample)
            # the files behind the data, without the values (fails here, exit 2, when the store has no returns
            # of the plan); the kernel reads the data itself, and an unchanged report reads nothing more
            returns = source.files_only(registry, plan)
            plan_period = period or latest_period(returns, "--period")
            beyond = month_beyond_data(returns, plan_period)
            if beyond and not args.force:
                raise ParameterError("--period", plan_period, f"有数据的月份——{beyond}；如确需生成，请加 --force（首页将标注）")
            common = dict(plan=plan, period=plan_period, inputs=inputs,
                          store=str(source.path) if source.kind == "store" else "",
                          sample="是" if args.sample else "", force="是" if args.force else "",
                          marked=source.sample_files(returns) > 0)
            if "scenario" in takes:
                common.update(scenario=args.scenario, assume=";".join(args.assume))
                if args.scenario or args.assume:  # fail before any kernel starts
                    from .report import WhatIf

                    WhatIf.build(registry, plan, args.scenario, ";".join(args.assume))
            elif args.scenario or args.assume:
                raise ParameterError("--scenario", args.scenario or ";".join(args.assume),
                                     "只用于 " + " 与 ".join(s.cli for s in SPECS.values()
                                                             if "scenario" in s.parameter_help) + " 报告")
            if spec.scope == "unit":
                units = [check_unit(registry, plan, u) for u in args.unit] or [u.id for u in registry.unit_list(plan)]
                jobs += [Job(notebook, unit=u, **common) for u in units]
            else:
                jobs.append(Job(notebook, **common))
    results = run_jobs(jobs, formats=formats, out=args.out, progress=not args.no_progress)
    same = [r for r in results if r.skipped]
    if same:
        print(f"{len(same)} 份报告的数据、目标登记册、程序和参数均未变化，未重新生成（沿用第 "
              f"{'、'.join(sorted({str(r.version) for r in same}))} 版）。", file=sys.stderr)
    for res in results:
        if res.skipped:
            continue
        for path in (res.html, res.pdf, res.xlsx):
            if path is not None:
                print(path)
    return 0


def _cmd_supervise(args) -> int:  # issue 14: the supervise verb, see taizhang.supervision.cli
    from .supervision.cli import run

    return run(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``taizhang`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb == "run":
        from .render import skip_unused_schema_checkers

        skip_unused_schema_checkers()
    handlers = {"targets": _cmd_targets, "sample": _cmd_sample, "template": _cmd_template, "ingest": _cmd_ingest, "evaluate": _cmd_evaluate, "run": _cmd_run,
                "supervise": _cmd_supervise}
    try:
        _check_plan(args)
        return handlers[args.verb](args)
    except TaizhangError as exc:
        if isinstance(exc, ParameterError):  # the library's parameter names, as the command line spells them
            exc = exc.on_cli()
        print(f"错误：{exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130

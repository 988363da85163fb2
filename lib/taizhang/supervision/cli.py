"""The ``taizhang supervise`` verb (its parser and handlers; :mod:`taizhang.cli` only mounts them).

    taizhang supervise --plan P --period YYYY-MM [--store FILE]     process one month: 新增/仍在办/自动销号/逾期未整改/升级
    taizhang supervise list --plan P [--unit U] [--state S] [--format text|csv]
    taizhang supervise show ID                                       one item and its whole history
    taizhang supervise close ID --reason … [--evidence FILE] [--by NAME]
    taizhang supervise reopen ID --reason … [--by NAME]
    taizhang supervise notice --plan P --period YYYY-MM [--out DIR]  督办通知单 per unit + office summary
    taizhang supervise remind --plan P --period YYYY-MM [--out DIR]  催报单: outstanding and late units
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ..errors import ParameterError


def add_parser(sub, plan_arg) -> None:
    """Add the ``supervise`` verb to the subparsers ``sub`` of the ``taizhang`` parser."""
    sv = sub.add_parser("supervise", help="督办：按台账立项督办、跟踪整改、销号（默认处理一个月份）",
                        description="按某月台账处理督办事项：新增、仍在办、自动销号、逾期未整改、升级。"
                                    "同一月份重复运行不会改变任何记录。")
    plan_arg(sv, required=False)
    sv.add_argument("--period", help="统计月份 YYYY-MM（处理该月台账）")
    _store_arg(sv)
    sv.add_argument("--by", help="操作人（默认当前系统用户）")
    sv.add_argument("--notice-date", help="该月通报日期 YYYY-MM-DD（默认按督办规则：次月 15 日，遇节假日顺延）")
    sv.add_argument("--rules", type=Path, help="督办规则文件（默认 targets/supervision.yaml）")
    ssub = sv.add_subparsers(dest="sv_action", required=False, parser_class=type(sv), metavar="操作")

    ls = ssub.add_parser("list", help="列出督办事项")
    plan_arg(ls)
    ls.add_argument("--unit", help="只列出该单位（编号、名称或别名）")
    ls.add_argument("--state", choices=("pending", "in_progress", "overdue", "closed", "open"),
                    help="只列出该状态：pending 待整改、in_progress 整改中、overdue 逾期未整改、closed 已销号、open 全部未销号")
    ls.add_argument("--format", choices=("text", "csv"), default="text", help="输出格式（默认 text）")
    _store_arg(ls)

    sh = ssub.add_parser("show", help="显示一个督办事项及其全部记录")
    sh.add_argument("item", metavar="编号", help="督办事项编号")
    _store_arg(sh)

    cl = ssub.add_parser("close", help="人工销号（必须写明理由）")
    cl.add_argument("item", metavar="编号", help="督办事项编号")
    cl.add_argument("--reason", required=True, help="销号理由")
    cl.add_argument("--evidence", type=Path, help="佐证材料文件（复制到数据库旁的“督办佐证材料”文件夹）")
    cl.add_argument("--by", help="操作人（默认当前系统用户）")
    _store_arg(cl)

    ro = ssub.add_parser("reopen", help="重新打开已销号的事项（必须写明理由）")
    ro.add_argument("item", metavar="编号", help="督办事项编号")
    ro.add_argument("--reason", required=True, help="重新打开的理由")
    ro.add_argument("--by", help="操作人（默认当前系统用户）")
    _store_arg(ro)

    no = ssub.add_parser("notice", help="生成督办通知单（每个单位 docx 和 xlsx）和办公室督办汇总表")
    plan_arg(no)
    no.add_argument("--period", required=True, help="统计月份 YYYY-MM（须已处理）")
    no.add_argument("--out", type=Path, help="输出文件夹（默认 reports/<方案>/<月份>/督办通知单）")
    _store_arg(no)

    sa = ssub.add_parser("sample", help="样例数据的督办：逐月处理样例报表（含整改情况答复、一项人工销号）")
    g = sa.add_mutually_exclusive_group(required=True)
    g.add_argument("--plan", metavar="方案编号", help="方案编号")
    g.add_argument("--all-plans", action="store_true", help="登记册中的全部方案")
    sa.add_argument("--answers", type=Path, help="样例整改情况报表的输出文件夹（默认数据库旁的“督办样例”）")
    _store_arg(sa)

    rm = ssub.add_parser("remind", help="生成催报单：未报送和逾期报送的单位（xlsx 和每个单位一段短信文字）")
    plan_arg(rm)
    rm.add_argument("--period", required=True, help="统计月份 YYYY-MM")
    rm.add_argument("--out", type=Path, help="输出文件夹（默认 reports/<方案>/<月份>/催报单）")
    rm.add_argument("--today", help="按该日期判断是否已过报送截止日（默认今天，YYYY-MM-DD）")
    _store_arg(rm)


def _store_arg(p) -> None:
    p.add_argument("--store", type=Path, help="数据库文件（默认 inputs/taizhang.sqlite）")


def _store(args) -> Path:
    from ..store import default_store

    if args.store is None and not default_store().is_file():  # as run and evaluate say it (exit 2)
        from ..source import missing_store_error

        raise missing_store_error(default_store())
    store = args.store or default_store()
    if not Path(store).is_file():
        raise ParameterError("--store", str(store), "已存在的数据库文件（先用 taizhang ingest 导入报表）")
    return Path(store)


def _day(text: str, parameter: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ParameterError(parameter, text, "YYYY-MM-DD 格式的日期，例如 2024-07-15") from None


def _period(text: str | None, parameter: str = "--period") -> str:
    from ..report import check_period

    if not text:
        raise ParameterError(parameter, None, "YYYY-MM 格式的统计月份，例如 2024-06")
    try:
        return check_period(text)
    except ParameterError as err:
        raise ParameterError(parameter, text, err.allowed) from None


def run(args) -> int:
    """Handle ``taizhang supervise …``; returns the exit code."""
    action = getattr(args, "sv_action", None) or "process"
    return {"process": _process, "list": _list, "show": _show, "close": _close, "reopen": _reopen,
            "notice": _notice, "remind": _remind, "sample": _sample}[action](args)


def _sample(args) -> int:
    from ..targets import load_registry
    from .items import items_frame
    from .sample import run_sample_loop

    store = _store(args)
    registry = load_registry()
    answers = args.answers or store.parent / "督办样例"
    for plan in (registry.plan_ids if args.all_plans else [args.plan]):
        results = run_sample_loop(registry, plan, store, answers / plan)
        items = items_frame(store, plan)
        n = {k: sum(len(r.changes[k]) for r in results) for k in ("new", "auto_closed", "escalated")}
        open_ = items[items["state"] != "closed"]
        print(f"{plan}：本次处理 {len(results)} 个月份（新增 {n['new']}，自动销号 {n['auto_closed']}，升级 {n['escalated']}）；"
              f"共 {len(items)} 项督办事项，未销号 {len(open_)} 项（逾期未整改 {(open_['state'] == 'overdue').sum()} 项），"
              f"人工销号 {(items['close_kind'] == 'manual').sum()} 项，已有整改情况答复 {(items['last_progress'] != '').sum()} 项")
    return 0


def _process(args) -> int:
    from ..targets import load_registry
    from .items import CHANGE_LABELS, items_frame, supervise

    if not args.plan:
        raise ParameterError("--plan", None, "方案编号之一：" + load_registry().plan_choices())
    period = _period(args.period)
    store = _store(args)
    notice = _day(args.notice_date, "--notice-date") if args.notice_date else None
    registry = load_registry()
    res = supervise(store, registry, args.plan, period, by=args.by, notice_date=notice, rules_path=args.rules)
    items = items_frame(store, args.plan).set_index("id")
    head = f"{args.plan} {period} 督办（通报日 {res.notice_date}）"
    if res.repeated:
        print(f"{head}：该月已于 {res.at} 由 {res.by} 处理，本次未改变任何记录。以下为当时的处理结果。")
    else:
        print(f"{head}：")
    if res.notice_note:
        print(f"注意：{res.notice_note}")
    if res.missing:
        print(f"注意：处理时以下 {len(res.missing)} 个单位的 {period} 报表尚未收到，其目标按台账的缺报规则判断：{'、'.join(res.missing)}")
    for key, label in CHANGE_LABELS.items():
        ids = res.changes[key]
        print(f"{label}：{len(ids)} 项")
        for i in ids:
            r = items.loc[i]
            extra = f"；{r['escalation']}" if key == "escalated" else f"；整改期限 {r['deadline']}"
            if key == "still_open" and r["last_progress"] == "已完成":
                extra += "；单位已报完成，待核实销号"
            print(f"  {i}  {r['unit_name']}  {r['title']}（{r['opened_status_label']}{extra}）")
    print(f"数据库 {store}", file=sys.stderr)
    return 0


LIST_CSV_COLUMNS = ["id", "plan", "unit", "unit_name", "target_id", "title", "state", "state_label", "escalation",
                    "opened_period", "opened_status", "problem", "lead", "responsible", "requirement", "notice_date",
                    "deadline", "deadline_note", "reports_open", "last_period", "last_status", "last_reason",
                    "last_measures", "last_progress", "previous_id", "closed_period", "close_kind", "close_basis"]


def _list(args) -> int:
    from ..report import check_unit
    from ..targets import load_registry
    from .items import items_frame

    store = _store(args)
    unit = check_unit(load_registry(), args.plan, args.unit) if args.unit else None
    state = None if args.state in (None, "open") else args.state
    df = items_frame(store, args.plan, unit=unit, state=state)
    if args.state == "open":
        df = df[df["state"] != "closed"]
    if args.format == "csv":
        from ..cli import write_csv  # UTF-8 with BOM, as every CSV of the command line

        write_csv(df[LIST_CSV_COLUMNS])
        return 0
    for r in df.itertuples(index=False):
        esc = f" [{r.escalation}]" if r.escalation else ""
        print(f"{r.id}\t{r.state_label}{esc}\t{r.unit_name}\t{r.title}\t整改期限 {r.deadline}\t{r.problem}")
    print(f"共 {len(df)} 项。", file=sys.stderr)
    return 0


def _show(args) -> int:
    from .items import history_frame, items_frame

    store = _store(args)
    hist = history_frame(store, args.item)
    r = items_frame(store).set_index("id").loc[args.item]
    lines = [("编号", args.item), ("状态", r["state_label"] + (f"（{r['escalation']}）" if r["escalation"] else "")),
             ("责任单位", r["responsible"]), ("牵头单位", r["lead"] or "—"), ("目标", f"{r['title']}（{r['target_id']}）"),
             ("立项", f"{r['opened_period']} 台账：{r['opened_status_label']}"), ("问题", r["problem"]),
             ("整改要求", r["requirement"]), ("整改期限", r["deadline"] + (f"（{r['deadline_note']}）" if r["deadline_note"] else "")),
             ("最近措施", r["last_measures"] or "—"), ("前序事项", r["previous_id"] or "—"),
             ("销号依据", r["close_basis"] or "—")]
    for k, v in lines:
        print(f"{k}：{v}")
    print("记录：")
    for h in hist.itertuples(index=False):
        print(f"  {h.at[:19].replace('T', ' ')}  {h.by}  {h.kind_label}  {h.period or ''}  {h.reason}")
    return 0


def _close(args) -> int:
    from .items import close_item

    r = close_item(_store(args), args.item, args.reason, evidence=args.evidence, by=args.by)
    print(f"已销号 {r['id']}（{r['unit_name']} {r['title']}）：{r['close_basis']}")
    return 0


def _reopen(args) -> int:
    from .items import STATES, reopen_item

    r = reopen_item(_store(args), args.item, args.reason, by=args.by)
    print(f"已重新打开 {r['id']}（{r['unit_name']} {r['title']}），状态 {STATES[r['state']]}")
    return 0


def _notice(args) -> int:
    from ..project import reports_dir
    from ..targets import load_registry
    from .notices import write_notices

    period = _period(args.period)
    out = args.out or reports_dir() / args.plan / period / "督办通知单"
    paths = write_notices(_store(args), load_registry(), args.plan, period, out)
    for p in paths:
        print(p)
    print(f"已生成 {len(paths)} 个文件 → {out}", file=sys.stderr)
    return 0


def _remind(args) -> int:
    from ..project import reports_dir
    from ..targets import load_registry
    from .notices import write_reminders

    period = _period(args.period)
    today = _day(args.today, "--today") if args.today else None
    out = args.out or reports_dir() / args.plan / period / "催报单"
    paths = write_reminders(_store(args), load_registry(), args.plan, period, out, today=today)
    for p in paths:
        print(p)
    print(f"已生成 {len(paths)} 个文件 → {out}", file=sys.stderr)
    return 0


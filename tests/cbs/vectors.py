#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The real servicing logs of ../shared/vectors/cbs against their ground truth.

usage: vectors.py SXSCHECK EXPECTED_JSON
       (the logs are read from EXPECTED_JSON's folder)

Runs `sxscheck cbs --format=json` on every log listed in expected.json and
compares, field by field: outcome, kinds, primary kind (or an accepted
alternative), decisive HRESULTs (codes, names, origin lines where the ground
truth names them, per-command counts of dism.log), failing packages, KBs,
every summary block's numbers, every (p) line, every corrupt item, SFC runs,
hydration failures, DISM command lists, the build and the format facts.
Prints a per-field score; exits 1 when a field does not match, 77 when the
vectors are absent (meson: skip).
"""
import json
import os
import re
import subprocess
import sys

FIELDS = ["outcome", "kinds", "primary_kind", "decisive_hresults", "failing_packages", "kbs",
          "summaries", "p_lines", "corrupt", "sfc", "hydration_failed", "commands", "build", "format",
          "operations"]


def run(sxscheck, path):
    p = subprocess.run([sxscheck, "cbs", "--format=json", path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit("%s: exit %d: %s" % (path, p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    assert doc["schema_version"] == 1
    assert len(doc["logs"]) == 1, "one object per log"
    return doc["logs"][0], p.returncode


def code_lines(where):
    if not where:
        return []
    m = re.search(r"lines? ([0-9][0-9, ]*)", where)
    return [int(x) for x in re.findall(r"[0-9]+", m.group(1))] if m else []


def check(exp, got, rc):
    """Yield (field, ok, detail)."""
    yield "outcome", got["outcome"] == exp["outcome"], "%s vs %s" % (got["outcome"], exp["outcome"])
    want_rc = 1 if exp["outcome"] in ("failed", "corruption-unrepaired") else 0
    yield "outcome", rc == want_rc, "exit %d vs %d" % (rc, want_rc)
    yield "kinds", set(got["kinds"]) == set(exp["kinds"]), "%s vs %s" % (got["kinds"], exp["kinds"])
    ok = got["primary_kind"] == exp["primary_kind"] or got["primary_kind"] in exp.get("also_acceptable_primary", [])
    yield "primary_kind", ok, "%s vs %s" % (got["primary_kind"], exp["primary_kind"])
    gd = {d["code"]: d for d in got["decisive_hresults"]}
    ed = {d["code"]: d for d in exp["decisive_hresults"]}
    yield "decisive_hresults", set(gd) == set(ed), "%s vs %s" % (sorted(gd), sorted(ed))
    for code, e in ed.items():
        g = gd.get(code)
        if not g:
            continue
        yield "decisive_hresults", g["name"] == e["name"], "%s name %s vs %s" % (code, g["name"], e["name"])
        lines = code_lines(e.get("where"))
        if lines:
            yield "decisive_hresults", g["line"] == lines[0], "%s line %s vs %s" % (code, g["line"], lines)
        if "commands" in e:
            yield "decisive_hresults", g["count"] == e["commands"], "%s commands %s vs %s" % (code, g["count"], e["commands"])
    benign = {b["code"] for b in exp.get("benign_hresults", [])}
    yield "decisive_hresults", not (benign & set(gd)), "benign code given as a cause: %s" % sorted(benign & set(gd))
    if "failing_packages" in exp:
        yield "failing_packages", set(got["failing_packages"]) == set(exp["failing_packages"]), \
            "%s vs %s" % (got["failing_packages"], exp["failing_packages"])
    if "kbs" in exp:
        yield "kbs", set(got["kbs"]) == set(exp["kbs"]), "%s vs %s" % (got["kbs"], exp["kbs"])
    gs = {s["line"]: s for s in got["summaries"]}
    yield "summaries", len(got["summaries"]) == len(exp.get("summaries", [])), \
        "%d vs %d blocks" % (len(got["summaries"]), len(exp.get("summaries", [])))
    for s in exp.get("summaries", []):
        g = gs.get(s["line"])
        if not g:
            yield "summaries", False, "no summary at line %d" % s["line"]
            continue
        for k, v in s.items():
            yield "summaries", g.get(k) == v, "line %d %s: %r vs %r" % (s["line"], k, g.get(k), v)
    gp = {p["line"]: p for p in got["p_lines"]}
    yield "p_lines", len(got["p_lines"]) == len(exp.get("p_lines", [])), \
        "%d vs %d" % (len(got["p_lines"]), len(exp.get("p_lines", [])))
    for p in exp.get("p_lines", []):
        g = gp.get(p["line"])
        ok = g is not None and all(g.get(k) == v for k, v in p.items())
        yield "p_lines", ok, "line %d: %r vs %r" % (p["line"], g, p)

    def ckey(c):
        return (c["where"], c.get("keyform"), c.get("file"), c.get("path"), c.get("package"), c["repaired"],
                c.get("repaired_from"), tuple(c.get("flags") or ()) if c["where"] == "store" else ())
    ec = sorted(ckey(c) for c in exp.get("corrupt", []))
    flags = any("flags" in c for c in exp.get("corrupt", []))
    gc = sorted(ckey(c if flags else {k: v for k, v in c.items() if k != "flags"}) for c in got["corrupt"])
    yield "corrupt", gc == ec, "%s vs %s" % (gc, ec)
    if "sfc" in exp:
        yield "sfc", len(got["sfc"]) == len(exp["sfc"]), "%d vs %d runs" % (len(got["sfc"]), len(exp["sfc"]))
        for e, g in zip(exp["sfc"], got["sfc"]):
            for k, v in e.items():
                if k == "cannot_repair":
                    gv = [{kk: x[kk] for kk in ("component", "version", "arch", "file", "first_line")} for x in g[k]]
                    yield "sfc", gv == v, "%s: %r vs %r" % (k, gv, v)
                else:
                    yield "sfc", g.get(k) == v, "%s: %r vs %r" % (k, g.get(k), v)
    if "hydration_failed" in exp:
        gh = [{k: h[k] for k in ("component", "version", "arch", "file", "first_line")} |
              {"ntstatus": h["ntstatus"].upper().replace("0X", "0x")} for h in got["hydration_failed"]]
        yield "hydration_failed", gh == exp["hydration_failed"], "%r vs %r" % (gh, exp["hydration_failed"])
    if "commands" in exp:
        cmds = [o for o in got["operations"] if o["type"] == "dism-command"]
        gv = [{"line": o["start_line"], "ts": o.get("ts"), "command": o["command"], "parsed": o["parsed"],
               "hr": o["result"] if o["result"] not in (None, "0x00000000") else None,
               "addsource_hr": o["addsource_hr"], "ended": o["ended"]} for o in cmds]
        yield "commands", gv == exp["commands"], "%d vs %d commands" % (len(gv), len(exp["commands"]))
        for a, b in zip(gv, exp["commands"]):
            if a != b:
                yield "commands", False, "%r vs %r" % (a, b)
                break
        failed = [c for c in gv if (c["hr"] and c["hr"] != "0x00000000") or not c["parsed"]]
        yield "commands", failed == exp["failed_commands"], "failed %d vs %d" % (len(failed), len(exp["failed_commands"]))
        unfinished = [c for c in gv if not c["ended"] and not c["hr"]]
        yield "commands", unfinished == exp["unfinished_commands"], "unfinished %d vs %d" % (len(unfinished), len(exp["unfinished_commands"]))
        for key in ("commands", "failed_commands", "unfinished_commands"):
            yield "commands", got.get(key) == exp[key], "%s as in expected.json" % key
        yield "commands", got["counts"]["dismapi_sessions"] == exp["dismapi_sessions"], \
            "dismapi %d vs %d" % (got["counts"]["dismapi_sessions"], exp["dismapi_sessions"])
    w = exp.get("windows", {})
    if "build" in w:
        yield "build", got["windows"]["build"] == w["build"], "%s vs %s" % (got["windows"]["build"], w["build"])
    fmt = exp.get("format") or exp.get("inner", {}).get("format")
    for k in ("bytes", "encoding", "bom", "eol", "lines", "timestamped_lines", "first_ts", "last_ts"):
        if fmt and k in fmt:
            yield "format", got["format"].get(k) == fmt[k], "%s: %r vs %r" % (k, got["format"].get(k), fmt[k])
    for e in exp.get("operations", []):
        if "session" in e and "result" in e:
            g = [o for o in got["operations"] if o.get("session") == e["session"]]
            ok = bool(g) and g[0]["result"] == e["result"] and g[0]["type"] == e["type"] and \
                g[0]["start_line"] == e.get("start_line", g[0]["start_line"]) and \
                g[0]["end_line"] == e.get("end_line", g[0]["end_line"])
            yield "operations", ok, "session %s: %r" % (e["session"], g[0] if g else None)
        elif e.get("type") == "boot-time-startup":
            g = [o for o in got["operations"] if o["type"] == "boot-time-startup" and o["failed"]]
            ok = bool(g) and g[0]["result"] == e["result"] and g[0]["result_line"] == e["line"]
            yield "operations", ok, "startup: %r" % (g[0] if g else None)


def main():
    sxscheck, path = sys.argv[1], sys.argv[2]
    base = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(path):
        print("skip: %s absent" % path)
        return 77
    truth = json.load(open(path))
    total = {f: [0, 0] for f in FIELDS}
    bad = 0
    for exp in truth["logs"]:
        got, rc = run(sxscheck, os.path.join(base, exp["file"]))
        per = {}
        for field, ok, detail in check(exp, got, rc):
            per.setdefault(field, True)
            per[field] &= ok
            if not ok:
                bad += 1
                print("MISMATCH %s %s: %s" % (exp["file"], field, detail[:400]))
        for f, ok in per.items():
            total[f][0] += ok
            total[f][1] += 1
    print("per-field score over %d logs:" % len(truth["logs"]))
    for f in FIELDS:
        if total[f][1]:
            print("  %-18s %d/%d" % (f, total[f][0], total[f][1]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""The runner's rows in the store: schedule state, run history and leases.

They live in the store's ``store_state`` table (atomtrig's own, keyed by namespace and key with a
unique constraint), written through the storage interface (``put_state`` / ``read_state`` of the
space's store binding), so they commit in the same transactions as the runs' effects.

=====================  ====================  ===================================================
namespace              key                   value (JSON)
=====================  ====================  ===================================================
``schedule-state``     schedule id           ``link`` text, ``next`` due time (None: finished),
                                             ``seen``, ``last`` run, ``totals`` per outcome,
                                             ``n`` runs recorded, ``invalid`` error
``schedule-runs``      ``sid:slot``          one recorded run: ``due``, ``start``, ``end``,
                                             ``outcome``, ``error``, ``runner``, ``covers`` /
                                             ``count``; the last ``keep`` runs per schedule (a
                                             ring: slot = run number mod ``keep``)
``schedule-leases``    ``sid@due``           a claimed run: ``runner``, ``claimed``, ``expires``
=====================  ====================  ===================================================

Times are epoch seconds. Outcomes: ``done``, ``failed``, ``skipped`` (condition false),
``missed`` (past the grace time and not run; ``count`` due times from ``due`` to ``last_due``),
``interrupted`` (the runner stopped or died during the run), ``cancelled`` (the schedule was
removed while a run of it was claimed).

>>> lease_key("ab12", 1700000000.5)
'ab12@1700000000.5'
"""

from __future__ import annotations

import json
from typing import Any

STATE = "schedule-state"
RUNS = "schedule-runs"
LEASES = "schedule-leases"
OUTCOMES = ("done", "failed", "skipped", "missed", "interrupted", "cancelled")


def lease_key(sid: str, due: float) -> str:
    return f"{sid}@{due!r}"


def run_key(sid: str, number: int, keep: int) -> str:
    return f"{sid}:{number % keep}"


def new_state(text: str, seen: float, next_due: float | None) -> dict[str, Any]:
    return {"link": text, "seen": seen, "next": next_due, "last": None, "n": 0,
            "totals": dict.fromkeys(OUTCOMES, 0), "invalid": None}


def load(binding: Any, namespace: str) -> dict[str, dict[str, Any]]:
    """Every row of ``namespace``, decoded (a damaged row is skipped)."""
    rows = {}
    for key, text in binding.read_state(namespace).items():
        try:
            rows[key] = json.loads(text)
        except ValueError:
            continue
    return rows


def put(binding: Any, namespace: str, key: str, value: dict[str, Any] | None) -> None:
    binding.put_state(namespace, key, None if value is None else _dumps(value))


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _num(x: float | int | None) -> str:
    return "null" if x is None else repr(x)


def encode_state(st: dict[str, Any], link_json: str) -> str:
    """``st`` as JSON, built by hand: it is written after every run, so it must be cheap
    (``link_json`` is the link text, encoded once per schedule).

    >>> import json
    >>> st = new_state("(x)", 1.0, 2.0)
    >>> json.loads(encode_state(st, json.dumps("(x)"))) == st
    True
    """
    last = st.get("last")
    if last is None:
        last_text = "null"
    else:
        error = last.get("error")
        last_text = (f'{{"due":{_num(last.get("due"))},"start":{_num(last.get("start"))},'
                     f'"end":{_num(last.get("end"))},"outcome":"{last["outcome"]}",'
                     f'"error":{"null" if error is None else _dumps(error)}}}')
    t = st["totals"]
    if len(t) == len(OUTCOMES):
        totals = (f'"done":{t["done"]},"failed":{t["failed"]},"skipped":{t["skipped"]},'
                  f'"missed":{t["missed"]},"interrupted":{t["interrupted"]},'
                  f'"cancelled":{t["cancelled"]}')
    else:
        totals = ",".join(f'"{k}":{v}' for k, v in t.items())
    extra = ""
    for key, value in st.items():
        if key in _BUILT:
            continue
        if key == "invalid" and value is None:
            extra += ',"invalid":null'
        elif key == "finished":
            extra += ',"finished":true' if value else ',"finished":false'
        else:
            extra += f',"{key}":{_dumps(value)}'
    nxt = st.get("next")
    return (f'{{"link":{link_json},"seen":{_num(st.get("seen"))},'
            f'"next":{"null" if nxt is None else repr(nxt)},'
            f'"last":{last_text},"n":{st["n"]},"totals":{{{totals}}}{extra}}}')


_BUILT = frozenset(("link", "seen", "next", "last", "n", "totals"))


def put_text(binding: Any, namespace: str, key: str, text: str | None) -> None:
    binding.put_state(namespace, key, text)


def states(binding: Any) -> dict[str, dict[str, Any]]:
    """Each schedule's saved state, by schedule id: the state column of the store's schedule
    rows (a runner's), and any format-1 ``schedule-state`` row no runner has adopted yet."""
    from atomtrig.triggers.scheduler.spec import schedule_id

    found = load(binding, STATE)
    for row in binding.backend.schedule_rows():
        if row[4]:
            try:
                st = json.loads(row[4])
            except ValueError:
                continue
            found[schedule_id(st["link"])] = st
    return found


def history(binding: Any) -> dict[str, list[dict[str, Any]]]:
    """The recorded runs of every schedule, oldest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in load(binding, RUNS).values():
        found.setdefault(row.get("sid", "?"), []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r.get("number", 0))
    return found

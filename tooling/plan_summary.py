"""From `terraform show -json <plan>` to the summary reviewers read: pure functions, no I/O.

A stack summary counts what the plan does to managed resources (add, change, destroy, replace;
data-source reads and no-ops are counted apart, since they change nothing) and names every
resource that would be destroyed or replaced, because those are the changes that lose data or
cause downtime. It also names every deployment package the stack uploads (the `aws_s3_object`s
with a `source_hash`, modules/signed_artifact.py) with its digest, the SHA-256 of the zip bytes,
and whether the plan uploads it: the same build promoted to the next environment shows the same
digests there. The Markdown rendering is the pull request comment; HIDDEN_MARKER lets the
workflow find and update its own comment instead of adding one per push.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

HIDDEN_MARKER: Final = "<!-- fraud-detection-plan-summary -->"
"""First line of the pull request comment; the workflow updates the comment that carries it."""

COUNTED: Final = ("add", "change", "replace", "destroy")
"""Counters of changes to managed resources, in the order they are shown."""


def classify(actions: Sequence[str]) -> str:
    """Terraform's action list of one resource change -> add, change, replace, destroy, read,
    no-op or forget (Terraform writes a replacement as [delete, create] or [create, delete])."""
    kinds = set(actions)
    if kinds == {"create", "delete"}:
        return "replace"
    if len(actions) != 1:
        raise ValueError(f"unknown action combination {list(actions)}")
    mapping = {"create": "add", "update": "change", "delete": "destroy", "read": "read", "no-op": "no-op",
               "forget": "forget"}
    if actions[0] not in mapping:
        raise ValueError(f"unknown action {actions[0]!r}")
    return mapping[actions[0]]


def summarize_stack(stack: str, plan: Mapping[str, Any]) -> dict[str, Any]:
    """Summary of one stack's plan JSON: counts, the destroyed and replaced addresses, and the
    addresses behind every counted change."""
    counts = dict.fromkeys((*COUNTED, "read", "no-op", "forget"), 0)
    addresses: dict[str, list[str]] = {kind: [] for kind in (*COUNTED, "forget")}
    for change in plan.get("resource_changes", []):
        kind = classify(change["change"]["actions"])
        if change.get("mode") == "data" and kind == "read":
            counts["read"] += 1
            continue
        counts[kind] += 1
        if kind in addresses:
            addresses[kind].append(change["address"])
    outputs = sorted(
        name for name, change in plan.get("output_changes", {}).items() if change["actions"] != ["no-op"]
    )
    artifacts = sorted(
        (
            {"address": change["address"], "key": (change["change"].get("after") or {}).get("key"),
             "sha256": change["change"]["after"]["source_hash"],
             "uploaded": classify(change["change"]["actions"]) in ("add", "change", "replace")}
            for change in plan.get("resource_changes", [])
            if change.get("type") == "aws_s3_object" and (change["change"].get("after") or {}).get("source_hash")
        ),
        key=lambda artifact: artifact["address"],
    )
    return {
        "stack": stack,
        **{kind: counts[kind] for kind in COUNTED},
        "read": counts["read"],
        "no_op": counts["no-op"],
        "forget": counts["forget"],
        "destroyed": sorted(addresses["destroy"]),
        "replaced": sorted(addresses["replace"]),
        "added": sorted(addresses["add"]),
        "changed": sorted(addresses["change"]),
        "forgotten": sorted(addresses["forget"]),
        "outputs_changed": outputs,
        "artifacts": artifacts,
        "has_changes": any(counts[kind] for kind in (*COUNTED, "forget")) or bool(outputs),
    }


def summarize(environment: str, plans: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Summary of one environment from its stacks' plan JSON (stack name -> plan JSON)."""
    return combine(environment, [summarize_stack(name, plan) for name, plan in sorted(plans.items())])


def combine(environment: str, stacks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Summary of one environment from its stack summaries: the stacks, totals and flags."""
    return {
        "environment": environment,
        "stacks": list(stacks),
        "totals": {kind: sum(s[kind] for s in stacks) for kind in COUNTED},
        "has_changes": any(s["has_changes"] for s in stacks),
        "has_destroys": any(s["destroy"] or s["replace"] for s in stacks),
    }


def _row(stack: Mapping[str, Any]) -> str:
    cells = [str(stack[kind]) if stack[kind] == 0 or kind in ("add", "change") else f"**{stack[kind]}**"
             for kind in COUNTED]
    return f"| `{stack['stack']}` | " + " | ".join(cells) + " |"


def _list(title: str, addresses: Iterable[str]) -> list[str]:
    items = [f"- `{a}`" for a in addresses]
    return [title, *items, ""] if items else []


def _artifacts(stack: str, artifacts: Sequence[Mapping[str, Any]]) -> list[str]:
    if not artifacts:
        return []
    lines = [f"`{stack}` packages (SHA-256 of the zip bytes):", "", "| package | sha256 | this plan |", "|---|---|---|"]
    lines += [f"| `{a['key']}` | `{a['sha256']}` | {'**uploads and signs it**' if a['uploaded'] else 'unchanged'} |"
              for a in artifacts]
    return [*lines, ""]


def render_markdown(summaries: Sequence[Mapping[str, Any]], *, title: str = "Terraform plan") -> str:
    """One Markdown document for several environments' summaries: a table of counts per stack,
    destroys and replacements called out by address, other changes folded away."""
    lines = [HIDDEN_MARKER, f"### {title}", ""]
    if not summaries:
        return "\n".join([*lines, "No plan was produced.", ""])
    lines += ["| stack | add | change | replace | destroy |", "|---|---|---|---|---|"]
    lines += [_row(stack) for summary in summaries for stack in summary["stacks"]]
    lines.append("")
    for summary in summaries:
        for stack in summary["stacks"]:
            name = stack["stack"]
            if stack["destroy"] or stack["replace"]:
                lines.append(
                    f":warning: **`{name}` destroys {stack['destroy']} and replaces {stack['replace']} "
                    "resource(s)**: check that no data is lost."
                )
                lines.append("")
                lines += _list("Destroyed:", stack["destroyed"])
                lines += _list("Replaced (destroyed, then created again):", stack["replaced"])
            lines += _artifacts(name, stack.get("artifacts", []))
            if not stack["has_changes"]:
                lines += [f"`{name}`: no changes.", ""]
                continue
            details = [
                *_list("Added:", stack["added"]), *_list("Changed in place:", stack["changed"]),
                *_list("Removed from state only:", stack["forgotten"]),
                *_list("Outputs changed:", stack["outputs_changed"]),
            ]
            if details:
                lines += [f"<details><summary><code>{name}</code>: other changes</summary>", "", *details,
                          "</details>", ""]
    return "\n".join(lines)

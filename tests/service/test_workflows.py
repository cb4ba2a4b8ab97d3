"""The forge files are linted offline and stay thin: they call invoke tasks that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from service.intake_fixtures import invoke_task_names

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = shutil.which("check-jsonschema") or str(
    Path(sys.executable).with_name("check-jsonschema")
)


def load(name: str) -> dict:
    return yaml.safe_load(
        (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    )


def check_schema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against one of its vendored schemas (offline)."""
    return subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {
        "comment-pr.yml",
        "comment-check.yml",
        "publish.yml",
        "comment-stale.yml",
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_vendored_schema(path: Path) -> None:
    proc = check_schema("vendor.github-workflows", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_ci_matches_the_vendored_schema() -> None:
    proc = check_schema("vendor.gitlab-ci", ROOT / ".gitlab-ci.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n"
    )
    assert check_schema("vendor.github-workflows", broken).returncode != 0


def test_triggers() -> None:
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert load("comment-pr.yml")[True]["push"]["branches"] == ["comments/**"]
    assert load("comment-check.yml")[True]["pull_request"]["paths"] == [
        "content/comments/**"
    ]
    assert load("publish.yml")[True]["push"]["branches"] == ["main"]
    assert "schedule" in load("comment-stale.yml")[True]


def test_workflows_only_call_tasks_that_exist() -> None:
    tasks = invoke_task_names()
    used = set()
    for path in [*WORKFLOWS, ROOT / ".gitlab-ci.yml"]:
        used |= set(re.findall(r"\binvoke ([\w.-]+)", path.read_text(encoding="utf-8")))
    assert used, "the workflows call no invoke task"
    assert used <= tasks, used - tasks
    assert {"comments.review", "check", "build", "comments.stale"} <= used


def test_workflow_steps_stay_thin() -> None:
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            for step in job.get("steps", []):
                assert len(step.get("run", "").strip().splitlines()) <= 15, (
                    path.name,
                    step,
                )

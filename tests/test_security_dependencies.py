"""Every dependency is bounded above, so a major release that would break us (APScheduler
4, say, a rewrite with another API) is never installed by surprise; and what is installed
is within the ranges."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
TEST = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]]
# Tools that only lint (their new majors fail `make lint` loudly, never the app).
UNBOUNDED_TOOLS = {"ruff"}


def _has_upper_bound(requirement: Requirement) -> bool:
    return any(spec.operator in {"<", "<=", "==", "~=", "==="} for spec in requirement.specifier)


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=lambda r: r.name)
def test_every_dependency_has_an_upper_bound(requirement):
    assert _has_upper_bound(requirement), f"{requirement} needs an upper bound (e.g. <next major)"


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=lambda r: r.name)
def test_what_is_installed_is_within_the_range(requirement):
    try:
        installed = version(requirement.name)
    except PackageNotFoundError:
        pytest.skip(f"{requirement.name} is not installed here")
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{requirement.name} {installed} is outside {requirement.specifier}"
    )


def test_the_scheduler_stays_on_apscheduler_3():
    (apscheduler,) = [r for r in RUNTIME if r.name.lower() == "apscheduler"]
    assert not apscheduler.specifier.contains("4.0.0a6", prereleases=True)
    assert version("APScheduler").startswith("3.")


def test_dev_tools_without_a_bound_are_only_linters():
    dev = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
    unbounded = {r.name for r in dev if r.name != "steward" and not _has_upper_bound(r)}
    assert unbounded <= UNBOUNDED_TOOLS

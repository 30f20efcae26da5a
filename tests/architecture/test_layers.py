"""The layers of docs/architecture.md, as import-linter checks them (contracts in
pyproject.toml): the code keeps them, and each contract breaks when an arrow points the
wrong way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application import use_cases
from importlinter.application.app_config import settings
from importlinter.contracts.layers import LayersContract
from importlinter.contracts.protected import ProtectedContract
from importlinter.domain.contract import registry

ROOT = Path(__file__).resolve().parents[2]


def test_the_code_keeps_every_contract():
    result = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


class _GraphWith:
    """import-linter's graph builder, plus one import the code does not have."""

    def __init__(self, builder, importer: str, imported: str) -> None:
        self.builder, self.importer, self.imported = builder, importer, imported

    def build(self, **options):
        graph = self.builder.build(**options)
        graph.add_import(importer=self.importer, imported=self.imported, line_number=1, line_contents="import")
        return graph


def broken_contracts(importer: str, imported: str) -> set[str]:  # the types of the broken contracts
    configuration.configure()
    registry.register(LayersContract, "layers")  # as the lint-imports command does
    registry.register(ProtectedContract, "protected")
    builder = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=_GraphWith(builder, importer, imported))
    try:
        report = use_cases.create_report(use_cases.read_user_options(str(ROOT / "pyproject.toml")), cache_dir=None)
    finally:
        settings.configure(GRAPH_BUILDER=builder)
    return {contract.type_name for contract, check in report.get_contracts_and_checks() if not check.kept}


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        ("habits.services", "goals.services", "layers"),  # habits imports no other domain
        ("goals.services", "gamification.services", "layers"),  # domains are independent
        ("gamification.achievements", "goals.models", "layers"),
        ("quests.services", "goals.models", "layers"),
        ("habits.recompute", "habitstory.story.commit", "layers"),  # domains never import the story
        ("habitstory.notifications.services", "habits.models", "layers"),  # the platform imports no domain
        ("habitstory.core.health", "habitstory.story.closing", "layers"),
        ("habitstory.story.commit", "habitstory.api.queries", "layers"),  # nothing imports the API
        ("habitstory.story.commit", "habits.views", "protected"),  # nor a view
        ("gamification.services", "gamification.views", "protected"),
        ("habits.services", "habits.tasks", "protected"),  # nor a task
    ],
)
def test_a_wrong_arrow_breaks_a_contract(importer, imported, contract):
    assert contract in broken_contracts(importer, imported)


def test_an_arrow_pointing_down_breaks_nothing():
    assert broken_contracts("habitstory.story.commit", "habits.totals") == set()

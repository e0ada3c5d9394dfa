from __future__ import annotations

import pytest

from shoplake.local.runtime import LocalCloud


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    """A fresh local stack in a temporary SHOPLAKE_HOME; retries wait 1/1000 of their real time."""
    home = tmp_path / "home"
    monkeypatch.setenv("SHOPLAKE_HOME", str(home))
    # The transform DAG after each publication has its own tests (test_end_to_end.py).
    with LocalCloud(home, retry_time_scale=0.001, run_transforms=False) as c:
        yield c


@pytest.fixture(scope="session")
def dashboard_home(tmp_path_factory):
    """The dashboard tests' warehouse (tests/fixture_warehouse.py): built once per test process."""
    from tests.fixture_warehouse import make_dashboard_home

    return make_dashboard_home(tmp_path_factory.mktemp("dashboard") / "home")


@pytest.fixture
def marts_env(dashboard_home, monkeypatch):
    """SHOPLAKE_HOME at the dashboard warehouse, read locally."""
    monkeypatch.setenv("SHOPLAKE_HOME", str(dashboard_home))
    monkeypatch.delenv("DASHBOARD_WAREHOUSE", raising=False)
    return dashboard_home

"""The tests run on rank 0 under `mpirun -n N python3 -m rankpool -m pytest` (the other
ranks serve), or alone. One executor for the whole session, as a script would hold one."""
import os

import pytest

import rankpool


@pytest.fixture(scope="session")
def executor():
    ex = rankpool.Executor()
    yield ex
    ex.shutdown()


@pytest.fixture(scope="session")
def ranks():
    return rankpool.size()


@pytest.fixture
def child_env():
    """The environment for a child process that starts its own MPI job, a singleton or
    its own mpirun, rather than joining this test's job."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("OMPI_COMM_WORLD", "PMIX_", "OMPI_MCA_orte", "OMPI_MCA_ess"))}

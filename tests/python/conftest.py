"""The tests run on rank 0 under `mpirun -n N python3 -m rankpool -m pytest` (the other
ranks serve), or alone. One executor for the whole session, as a script would hold one."""
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

"""rankpool.Pool: the multiprocessing.Pool subset."""
import multiprocessing

import pytest

import rankpool
from tasks import fail_if_odd, sleep_then, square


def test_map_imap_starmap():
    with rankpool.Pool() as pool:
        assert pool.map(square, range(100)) == [x * x for x in range(100)]
        assert pool.map(square, range(10), chunksize=3) == [x * x for x in range(10)]
        assert list(pool.imap(square, range(50))) == [x * x for x in range(50)]
        assert sorted(pool.imap_unordered(square, range(50))) == [x * x for x in range(50)]
        assert pool.starmap(pow, [(2, 5), (3, 3)]) == [32, 27]
        assert pool.apply(pow, (2, 10)) == 1024


def test_async_calls_callbacks_and_errors():
    got, errors = [], []
    with rankpool.Pool() as pool:
        r = pool.apply_async(square, (7,), callback=got.append)
        assert r.get(timeout=30) == 49
        assert r.ready() and r.successful()
        bad = pool.apply_async(fail_if_odd, (3,), error_callback=errors.append)
        with pytest.raises(ValueError, match="odd input 3"):
            bad.get(timeout=30)
        assert not bad.successful()
        m = pool.map_async(square, range(20))
        assert m.get(timeout=30) == [x * x for x in range(20)]
        slow = pool.apply_async(sleep_then, (1.0, 1))
        with pytest.raises(multiprocessing.TimeoutError):
            slow.get(timeout=0.05)
        slow.wait()
        assert slow.get() == 1
    assert got == [49]
    assert len(errors) == 1 and isinstance(errors[0], ValueError)


def test_close_join_and_use_after_close():
    pool = rankpool.Pool()
    results = pool.map_async(square, range(30))
    pool.close()
    with pytest.raises(ValueError):
        pool.map(square, [1])
    pool.join()
    assert results.get() == [x * x for x in range(30)]

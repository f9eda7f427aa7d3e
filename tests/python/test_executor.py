"""rankpool.Executor against the concurrent.futures contract, at any rank count."""
import asyncio
import concurrent.futures as cf
import socket
import time

import numpy as np
import pytest

import rankpool
from tasks import (Unpicklable, double_array, fail_at, fail_first_attempt, fail_if_odd, mix, raise_unpicklable,
                   sleep_then, square, where)


def test_map_returns_results_in_input_order(executor):
    assert list(executor.map(square, range(1000))) == [x * x for x in range(1000)]
    assert list(executor.map(pow, [2, 3, 4], [5, 6, 7], chunksize=1)) == [32, 729, 16384]
    assert list(executor.map(square, [])) == []


def test_every_rank_runs_tasks_rank0_included(executor, ranks):
    seen = set(r for r, _ in executor.map(where, range(40 * ranks), chunksize=1))
    assert seen <= set(range(ranks))
    if ranks > 1:
        assert len(seen) >= 2
    assert 0 in seen or ranks > 1


@pytest.mark.parametrize("chunksize", [1, 3, 64, "auto"])
def test_results_do_not_depend_on_chunks_or_ranks(executor, chunksize):
    # The same values as computed here in one process: the rank count and the chunking
    # change where tasks run, never what they return.
    expected = [mix(i) for i in range(2000)]
    assert list(executor.map(mix, range(2000), chunksize=chunksize)) == expected
    got = dict(executor.map_unordered(mix, range(500), chunksize=chunksize))
    assert got == {i: mix(i) for i in range(500)}


def test_submit_result_and_exception_with_type_traceback_rank_host(executor, ranks):
    assert executor.submit(square, 12).result() == 144
    assert executor.submit(sleep_then, 0, value="kw").result() == "kw"
    future = executor.submit(fail_if_odd, 7)
    with pytest.raises(ValueError, match="odd input 7") as info:
        future.result()
    exc = info.value
    assert 0 <= exc.rank < ranks
    assert exc.host == socket.gethostname()
    assert exc.attempts == 1
    assert isinstance(exc.__cause__, rankpool.RemoteTraceback)
    assert "fail_if_odd" in exc.__cause__.text and "odd input 7" in exc.__cause__.text
    assert f"Worker {exc.rank}" in str(exc.__cause__)


def test_an_exception_that_does_not_pickle_arrives_as_remote_error(executor):
    with pytest.raises(rankpool.RemoteError, match="cannot travel") as info:
        executor.submit(raise_unpicklable, 1).result()
    assert info.value.type_name == "tasks.Unpicklable"
    assert Unpicklable.__name__ in info.value.__cause__.text


def test_map_raises_at_the_failed_item_after_the_ones_before(executor):
    results = executor.map(fail_if_odd, [0, 2, 4, 5, 6])
    assert [next(results) for _ in range(3)] == [0, 2, 4]
    with pytest.raises(ValueError, match="odd input 5"):
        next(results)


def test_retries_rerun_a_failed_python_task(tmp_path):
    with rankpool.Executor(retries=1) as ex:
        assert list(ex.map(fail_first_attempt, [str(tmp_path)] * 5, range(5), chunksize=1)) == [
            1000, 1001, 1002, 1003, 1004]
    with rankpool.Executor() as ex:
        with pytest.raises(RuntimeError, match="first attempt of 9"):
            ex.submit(fail_first_attempt, str(tmp_path), 9).result()


def test_lambdas_and_closures_travel_by_value(executor):
    offset = 17
    assert list(executor.map(lambda x: x + offset, range(5))) == [17, 18, 19, 20, 21]

    def make_scaler(k):
        return lambda x: k * x

    assert executor.submit(make_scaler(3), 14).result() == 42
    assert executor.map_reduce(lambda x: x * x, range(1, 101), lambda a, b: a + b, 0) == 338350
    assert executor.map_reduce(str, range(12), lambda a, b: a + b, "", chunksize=5) == "01234567891011"


def test_starmap_and_map_unordered(executor):
    assert list(executor.starmap(pow, [(2, 3), (3, 2), (10, 0)])) == [8, 9, 1]
    pairs = list(executor.map_unordered(square, range(300)))
    assert sorted(pairs) == [(i, i * i) for i in range(300)]


@pytest.mark.parametrize("chunksize", [1, "auto"])
def test_map_unordered_raises_a_failed_call_and_delivers_the_others_first(executor, chunksize):
    got = {}
    with pytest.raises(ValueError, match="odd input 51"):
        for index, value in executor.map_unordered(fail_if_odd, [2 * i for i in range(200)] + [51],
                                                   chunksize=chunksize):
            got[index] = value
    assert all(got[i] == 2 * i for i in got) and len(got) <= 200


def test_timeouts_in_result_and_map(executor):
    with pytest.raises(cf.TimeoutError):
        executor.submit(sleep_then, 1.0, 1).result(timeout=0.05)
    results = executor.map(sleep_then, [1.0], [1], timeout=0.05)
    with pytest.raises(cf.TimeoutError):
        next(results)


def test_as_completed_wait_and_callbacks(executor):
    futures = [executor.submit(sleep_then, 1.0 if i == 7 else 0.0, i) for i in range(8)]
    done, not_done = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
    assert done and futures[7] in not_done
    assert sorted(f.result() for f in cf.as_completed(futures, timeout=30)) == list(range(8))
    called = []
    future = executor.submit(square, 5)
    future.add_done_callback(lambda f: called.append(f.result()))
    future.result()
    deadline = time.monotonic() + 5
    while not called and time.monotonic() < deadline:
        time.sleep(0.01)
    assert called == [25]


def test_cancel_pending_futures_and_shutdown_cancel_futures(ranks):
    ex = rankpool.Executor(in_flight=ranks)
    blockers = [ex.submit(sleep_then, 0.5, i) for i in range(ranks)]
    queued = [ex.submit(square, i) for i in range(20)]
    assert queued[-1].cancel(), "a call still waiting in this process can be cancelled"
    assert queued[-1].cancelled()
    ex.shutdown(wait=True, cancel_futures=True)
    assert [f.result() for f in blockers] == list(range(ranks))
    assert all(f.done() for f in queued)
    assert sum(f.cancelled() for f in queued) >= 10
    for i, f in enumerate(queued):
        if not f.cancelled():
            assert f.result() == i * i
    with pytest.raises(RuntimeError, match="after shutdown"):
        ex.submit(square, 1)


def test_shutdown_without_waiting_returns_at_once_and_work_completes():
    ex = rankpool.Executor()
    future = ex.submit(sleep_then, 0.5, "late")
    started = time.monotonic()
    ex.shutdown(wait=False)
    assert time.monotonic() - started < 0.3
    assert future.result(timeout=30) == "late"


def test_asyncio_run_in_executor_and_as_completed(executor):
    async def main():
        loop = asyncio.get_running_loop()
        tasks = [loop.run_in_executor(executor, sleep_then, 0.01 * (5 - i), i) for i in range(5)]
        got = [await t for t in asyncio.as_completed(tasks)]
        wrapped = await asyncio.wrap_future(executor.submit(square, 9))
        return got, wrapped

    got, wrapped = asyncio.run(main())
    assert sorted(got) == list(range(5))
    assert wrapped == 81


def test_numpy_100mb_round_trip_is_exact_and_writable(executor):
    a = np.arange(100 * 2**20 // 8, dtype=np.float64)
    b = executor.submit(double_array, a).result(timeout=120)
    assert b.dtype == np.float64 and b.shape == a.shape
    np.testing.assert_array_equal(b, a * 2)
    b[0] = -1.0  # results arrive writable too
    assert a[0] == 0.0, "the caller's array is never modified"


def test_a_failed_call_in_a_bundle_carries_its_own_index(executor, ranks):
    count = 64 * ranks * 5  # the default chunksize bundles 5 calls per engine item
    with pytest.raises(KeyError) as raised:
        list(executor.map(fail_at, [203] * count, range(count)))
    assert raised.value.index == 203 and raised.value.args == (203,)
    pairs = executor.map_unordered(fail_at, [count - 1] * count, range(count))
    with pytest.raises(KeyError) as raised:
        for _ in pairs:
            pass
    assert raised.value.index == count - 1

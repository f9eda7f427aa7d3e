// TSan builds with clang only (RankpoolFlags.cmake adds this file to every target).
//
// A TSan-instrumented program makes LLVM's libomp load its Archer tool (OMPT), which
// tells TSan about OpenMP's barriers, locks and criticals. libomp 14 then crashes in
// __kmpc_end_critical (SEGV reading __kmp_threads[0]) once the thread that first
// initialised OpenMP has exited: it fetches the OMPT return address of global thread
// 0 instead of the calling thread (fixed upstream in llvm/llvm-project#169826). In
// rankpool the first OpenMP thread is a pool's executor thread, which ends with the
// pool, so the next pool's `omp critical` crashed. Initialising OpenMP here, on the
// main thread that outlives every pool, keeps global thread 0 alive.
#include <omp.h>

namespace {
[[maybe_unused]] const int rankpool_tsan_omp_initialised = omp_get_max_threads();
}  // namespace

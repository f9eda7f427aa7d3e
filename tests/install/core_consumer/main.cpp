// The engine without the batch layer: a task, a reduction, a future and a map.
#include <rankpool/environment.hpp>
#include <rankpool/pool.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>

int main(int argc, char** argv) {
  rankpool::environment env(argc, argv);
  rankpool::pool pool(env);
  auto square = pool.define_task("square", [](std::uint64_t i) { return i * i; });
  auto plus = pool.define_reduction<std::uint64_t>("plus", std::plus<std::uint64_t>{});
  int status = 0;
  pool.run([&] {
    const std::uint64_t twelve = pool.submit(square, 12).get();
    const std::uint64_t sum = pool.map_reduce(square, rankpool::index_range{0, 1000}, plus, 0);
    const auto squares = pool.map(square, rankpool::index_range{0, 100});
    std::printf("core_consumer: ranks=%d square(12)=%llu sum=%llu last=%llu\n", pool.ranks(),
                static_cast<unsigned long long>(twelve), static_cast<unsigned long long>(sum),
                static_cast<unsigned long long>(squares.back()));
    status = twelve == 144 && sum == 332833500 && squares.size() == 100 && squares.back() == 9801 ? 0 : 1;
  });
  return status;
}

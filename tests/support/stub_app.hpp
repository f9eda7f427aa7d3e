#pragma once
// An app that runs nothing, for tests of what comes before a run (job files, parameter
// validation): a subclass checks its parameters in its constructor, as a real app does.
#include <cstdint>

#include "rankpool/app.hpp"

namespace rankpool_test {

class stub_app : public rankpool::app {
 public:
  explicit stub_app(std::uint64_t tasks) : tasks_(tasks) {}
  void define_tasks(rankpool::pool&) override {}
  std::uint64_t task_count() const override { return tasks_; }
  void create_results(rankpool::run_file&) override {}
  void run(rankpool::job_context&) override {}

 private:
  std::uint64_t tasks_;
};

}  // namespace rankpool_test

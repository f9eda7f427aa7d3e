#pragma once
/// A run file as one row per task: the swept parameters, every per-task result, the
/// task's status and attempts, the rank that ran it and its time (`rankpool table`).
/// docs/OUTPUT.md has the h5py + pandas recipe that builds the same table.
#include <cstdint>
#include <string>
#include <vector>

#include "rankpool/run_file.hpp"

namespace rankpool {

struct table_column {
  enum class kind { integer, unsigned_integer, real, text };
  std::string name;
  kind type = kind::real;
  std::vector<std::int64_t> integers;
  std::vector<std::uint64_t> unsigned_integers;
  std::vector<double> reals;
  std::vector<std::string> texts;

  /// The value of task `task` as text: reals shortest and exact; "" for NaN, for rank
  /// -1 (not run) and for integers at the "no result" sentinel of a declarative app.
  std::string cell(std::uint64_t task) const;
  bool is_missing(std::uint64_t task) const;
};

class run_table {
 public:
  enum class rows { all, failed, pending };

  /// Reads every per-task column of `file` (any run file: C++, merged or Python).
  /// A result whose name is also a swept parameter's is called "results/NAME".
  static run_table read(run_file& file, rows which = rows::all);

  const std::vector<table_column>& columns() const noexcept { return columns_; }
  /// The task indices shown, ascending.
  const std::vector<std::uint64_t>& tasks() const noexcept { return tasks_; }

  std::string to_csv() const;
  /// A JSON array of one object per row; missing values are null.
  std::string to_json() const;
  /// Aligned columns for a terminal.
  std::string to_text() const;

 private:
  std::vector<table_column> columns_;
  std::vector<std::uint64_t> tasks_;
};

}  // namespace rankpool

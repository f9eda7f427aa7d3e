// mandelbrot: escape counts of a region of the Mandelbrot set, a few image rows
// per task, written to /results/escape_counts and drawn as a PNG beside the file.
#include <rankpool/app.hpp>
#include <rankpool/run.hpp>

#include <filesystem>

#include "mandelbrot/kernel.hpp"
#include "mandelbrot/png.hpp"

namespace {

class mandelbrot_app final : public rankpool::app {
 public:
  explicit mandelbrot_app(const rankpool::params& p) : rows_per_task_(static_cast<std::uint32_t>(p.integer("rows_per_task"))) {
    region_.width = static_cast<std::uint32_t>(p.integer("width"));
    region_.height = static_cast<std::uint32_t>(p.integer("height"));
    region_.max_iterations = static_cast<std::uint32_t>(p.integer("max_iterations"));
    region_.x_min = p.real("x_min");
    region_.x_max = p.real("x_max");
    region_.y_min = p.real("y_min");
    region_.y_max = p.real("y_max");
    image_ = p.boolean("image");
    if (region_.x_min >= region_.x_max) p.reject("x_max", "must be greater than x_min");
    if (region_.y_min >= region_.y_max) p.reject("y_max", "must be greater than y_min");
    const double bytes = 4.0 * region_.width * region_.height;
    if (bytes > 8e9) p.reject("width", "width x height needs " + std::to_string(bytes / 1e9) + " GB; the limit is 8 GB");
  }

  void define_tasks(rankpool::pool& pool) override {
    rows_ = pool.define_task("mandelbrot.rows", [this](std::uint64_t task) {
      const auto [begin, end] = rows_of(task);
      std::vector<std::uint32_t> counts(std::size_t{end - begin} * region_.width);
      mandelbrot::escape_counts(region_, begin, end, counts.data());
      return counts;
    });
  }

  std::uint64_t task_count() const override { return (region_.height + rows_per_task_ - 1) / rows_per_task_; }

  void create_results(rankpool::run_file& file) override {
    file.create_dataset<std::uint32_t>("/results/escape_counts", {region_.height, region_.width}, 0);
    file.set_attribute("/results/escape_counts", "meaning",
                       std::string("iterations before |z|^2 > 4 (max_iterations = never escaped); row 0 is y_max"));
  }

  void run(rankpool::job_context& ctx) override {
    ctx.run_tasks(rows_, [&](std::uint64_t task, const std::vector<std::uint32_t>& counts) {
      const auto [begin, end] = rows_of(task);
      ctx.file().write_rows<std::uint32_t>("/results/escape_counts", begin, end - begin, counts.data());
    });
  }

  void finish(rankpool::run_file& file) override {
    if (!image_) return;
    const auto counts = file.read_all<std::uint32_t>("/results/escape_counts");
    const auto png = std::filesystem::path(file.path()).replace_extension(".png").string();
    mandelbrot::write_png(png, region_.width, region_.height,
                          mandelbrot::colorize(counts.data(), counts.size(), region_.max_iterations).data());
    file.set_attribute("/", "image", png);
  }

  // Task i holds rows_of(i): consecutive tasks hold consecutive rows.
  void merge_results(rankpool::run_file& merged, rankpool::run_file& part,
                     const std::vector<rankpool::task_span>& tasks) override {
    for (const auto& span : tasks) {
      const std::uint32_t begin = rows_of(span.first).first;
      const std::uint32_t end = rows_of(span.end - 1).second;
      merged.copy_rows(part, "/results/escape_counts", begin, end - begin);
    }
  }

 private:
  std::pair<std::uint32_t, std::uint32_t> rows_of(std::uint64_t task) const {
    const auto begin = static_cast<std::uint32_t>(task * rows_per_task_);
    return {begin, std::min(region_.height, begin + rows_per_task_)};
  }

  mandelbrot::region region_;
  std::uint32_t rows_per_task_;
  bool image_ = true;
  rankpool::task<std::vector<std::uint32_t>(std::uint64_t)> rows_;
};

rankpool::app_info mandelbrot_info() {
  using namespace rankpool;
  return {"mandelbrot",
          "Escape counts of a W x H region of the Mandelbrot set, a few rows per task, plus a PNG image",
          {integer_param("width", 1024, "image width in pixels", 1, 65536),
           integer_param("height", 1024, "image height in pixels", 1, 65536),
           integer_param("max_iterations", 512, "iterations before a point counts as inside", 1, 1e7),
           integer_param("rows_per_task", 4, "image rows per task", 1, 65536),
           real_param("x_min", -2.25, "left edge (real axis)"), real_param("x_max", 0.75, "right edge (real axis)"),
           real_param("y_min", -1.25, "bottom edge (imaginary axis)"), real_param("y_max", 1.25, "top edge (imaginary axis)"),
           bool_param("image", true, "write a PNG next to the output file")},
          [](const params& p) { return std::make_unique<mandelbrot_app>(p); }};
}

}  // namespace

RANKPOOL_REGISTER_APP(mandelbrot_info());

// make_batch_script, is_valid_walltime and slurm_attributes (src/rankpool/slurm.hpp),
// without SLURM: the generated script is checked as text, with `bash -n`, and run
// once under bash with a stand-in `srun` that records how it was called.
#include "rankpool/slurm.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "rankpool/error.hpp"

namespace {

namespace fs = std::filesystem;
using rankpool::make_batch_script;
using rankpool::slurm_request;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

slurm_request sample() {
  slurm_request r;
  r.job_file = "/data/jobs/sweep one.toml";
  r.nodes = 4;
  r.ntasks_per_node = 2;
  r.cpus_per_task = 16;
  r.time = "02:30:00";
  r.partition = "compute";
  r.output = "/data/out/sweep.h5";
  r.rankpool = "/opt/rankpool/bin/rankpool";
  return r;
}

/// A fresh directory under the system temp dir, removed at the end of the test.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "slurm_script_test.XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~scratch_dir() { fs::remove_all(path); }
};

TEST(SlurmScript, BodyMatchesMultiNodeSbatch) {
  const std::string file = read_file(fs::path(RANKPOOL_SOURCE_DIR) / "slurm" / "multi_node.sbatch");
  const auto start = file.find("# ---- body");
  ASSERT_NE(start, std::string::npos) << "slurm/multi_node.sbatch has no '# ---- body' line";
  EXPECT_EQ(file.substr(start), std::string(rankpool::batch_script_body()))
      << "slurm/multi_node.sbatch and the template in src/rankpool/slurm.cpp differ: update both";
}

TEST(SlurmScript, DirectivesAndDefaults) {
  const std::string s = make_batch_script(sample());
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
  for (const char* line : {"#SBATCH --job-name=rankpool\n", "#SBATCH --nodes=4\n", "#SBATCH --ntasks-per-node=2\n",
                           "#SBATCH --cpus-per-task=16\n", "#SBATCH --time=02:30:00\n",
                           "#SBATCH --output=rankpool-%j.out\n", "#SBATCH --partition=compute\n"})
    EXPECT_NE(s.find(line), std::string::npos) << line;
  EXPECT_EQ(s.find("--array"), std::string::npos);
  EXPECT_NE(s.find("RANKPOOL='/opt/rankpool/bin/rankpool'"), std::string::npos);
  EXPECT_NE(s.find("set -- '/data/jobs/sweep one.toml' --out '/data/out/sweep.h5'; fi"), std::string::npos);
  // Every #SBATCH line comes before the first command, or sbatch ignores it.
  EXPECT_LT(s.rfind("#SBATCH"), s.find("\nif "));
  EXPECT_NE(s.find(std::string(rankpool::batch_script_body())), std::string::npos);

  slurm_request r = sample();
  r.partition.clear();
  r.output.clear();
  const std::string plain = make_batch_script(r);
  EXPECT_EQ(plain.find("--partition"), std::string::npos);
  EXPECT_NE(plain.find("set -- '/data/jobs/sweep one.toml'; fi"), std::string::npos);
}

TEST(SlurmScript, Array) {
  slurm_request r = sample();
  r.array = 8;
  const std::string s = make_batch_script(r);
  EXPECT_NE(s.find("#SBATCH --array=0-7\n"), std::string::npos);
  EXPECT_NE(s.find("#SBATCH --output=rankpool-%A_%a.out\n"), std::string::npos);
  EXPECT_NE(s.find("part='/data/out/sweep.'\"${SLURM_ARRAY_TASK_ID}\"'.h5'\n"), std::string::npos) << s;
  EXPECT_NE(s.find("--shard \"${SLURM_ARRAY_TASK_ID}/8\" --out \"$part\""), std::string::npos) << s;
  EXPECT_NE(s.find("--dependency=afterok:\"$SLURM_ARRAY_JOB_ID\" --kill-on-invalid-dep=yes"), std::string::npos) << s;
  EXPECT_NE(s.find("--partition=compute --output=rankpool-merge-%j.out"), std::string::npos) << s;
  EXPECT_LT(s.rfind("#SBATCH"), s.find("\nif "));
  r.output = "/data/out.d/result";  // no extension: the index goes at the end
  EXPECT_NE(make_batch_script(r).find("part='/data/out.d/result.'\"${SLURM_ARRAY_TASK_ID}\"\n"), std::string::npos);
  r.output.clear();
  EXPECT_THROW(make_batch_script(r), rankpool::usage_error);
}

TEST(SlurmScript, QuotesPaths) {
  slurm_request r = sample();
  r.job_file = "/data/it's $HOME `x`.toml";
  EXPECT_NE(make_batch_script(r).find("set -- '/data/it'\\''s $HOME `x`.toml'"), std::string::npos);
}

TEST(SlurmScript, RejectsBadRequests) {
  const auto rejects = [](auto change) {
    slurm_request r = sample();
    change(r);
    EXPECT_THROW(make_batch_script(r), rankpool::usage_error);
  };
  rejects([](slurm_request& r) { r.time = "2:30"; });
  rejects([](slurm_request& r) { r.time = "01:60:00"; });
  rejects([](slurm_request& r) { r.time = "00:00:00"; });
  rejects([](slurm_request& r) { r.nodes = 0; });
  rejects([](slurm_request& r) { r.ntasks_per_node = 0; });
  rejects([](slurm_request& r) { r.cpus_per_task = -1; });
  rejects([](slurm_request& r) { r.array = 0; });
  rejects([](slurm_request& r) { r.partition = "a b"; });
  rejects([](slurm_request& r) { r.partition = "x\n#SBATCH --exclusive"; });
  rejects([](slurm_request& r) { r.job_name = "my job"; });
  rejects([](slurm_request& r) { r.log = "logs/run %j.out"; });
  rejects([](slurm_request& r) { r.job_file.clear(); });
  rejects([](slurm_request& r) { r.output = "a\nb.h5"; });
  try {
    slurm_request r = sample();
    r.time = "1:99:00";
    make_batch_script(r);
    FAIL() << "no usage_error";
  } catch (const rankpool::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("--time must be HH:MM:SS"), std::string::npos) << e.what();
  }
}

TEST(SlurmScript, Walltime) {
  for (const char* good : {"00:00:01", "01:00:00", "1:00:00", "100:59:59", "0:30:00"})
    EXPECT_TRUE(rankpool::is_valid_walltime(good)) << good;
  for (const char* bad : {"", "1", "01:00", "01:00:0", "01:0:00", "-1:00:00", "01:00:60", "01:61:00", "a:00:00",
                          "01:00:00:00", "1-00:00:00", "00:00:00", " 01:00:00", "01:00:00 "})
    EXPECT_FALSE(rankpool::is_valid_walltime(bad)) << bad;
}

/// The srun log without the --exit-code-file argument (a fresh temporary file each run);
/// empty when it is missing.
std::string without_exit_code_file(std::string log) {
  static const std::regex argument(" --exit-code-file /[^ \n]*rankpool-exit\\.[A-Za-z0-9]+");
  if (!std::regex_search(log, argument)) return "";
  return std::regex_replace(log, argument, "");
}

// The generated array script, run by bash outside SLURM with stand-ins for srun and
// sbatch that record how they were called: element 2 runs its shard, element 0 also
// submits the merge job. The srun stand-in exits 137, as srun does after a lost rank,
// and writes 3 as rankpool's own exit code: the script must report rankpool's.
TEST(SlurmScript, ArrayElementsRunUnderBash) {
  scratch_dir dir;
  write_file(dir.path / "srun",
             "#!/bin/bash\necho \"OMP_NUM_THREADS=$OMP_NUM_THREADS $*\" > \"$SRUN_LOG\"\n"
             "while [ $# -gt 0 ]; do [ \"$1\" = --exit-code-file ] && echo 3 > \"$2\"; shift; done\nexit 137\n");
  write_file(dir.path / "sbatch", "#!/bin/bash\nprintf '%s\\n' \"$@\" > \"$SBATCH_LOG\"\necho 77\n");
  fs::permissions(dir.path / "srun", fs::perms::owner_all);
  fs::permissions(dir.path / "sbatch", fs::perms::owner_all);
  slurm_request r = sample();
  r.array = 3;
  write_file(dir.path / "job.sbatch", make_batch_script(r));
  ASSERT_EQ(std::system(("bash -n " + (dir.path / "job.sbatch").string()).c_str()), 0);

  const std::string srun_log = (dir.path / "srun.log").string();
  const std::string sbatch_log = (dir.path / "sbatch.log").string();
  auto element = [&](int index) {
    fs::remove(srun_log);
    fs::remove(sbatch_log);
    const std::string command = "cd " + dir.path.string() + " && env -i PATH=" + dir.path.string() +
                                ":/usr/bin:/bin SRUN_LOG=" + srun_log + " SBATCH_LOG=" + sbatch_log +
                                " SLURM_JOB_ID=42 SLURM_JOB_NODELIST='n[1-4]' SLURM_NTASKS=8"
                                " SLURM_NTASKS_PER_NODE='2(x4)' SLURM_CPUS_PER_TASK=16 SLURM_ARRAY_JOB_ID=40"
                                " SLURM_ARRAY_TASK_ID=" +
                                std::to_string(index) + " bash job.sbatch > out.txt 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(element(2), 3) << "the script must exit with rankpool's status, not srun's\n"
                           << read_file(dir.path / "out.txt");
  EXPECT_EQ(without_exit_code_file(read_file(srun_log)),
            "OMP_NUM_THREADS=16 --mpi=pmix --kill-on-bad-exit=0 --ntasks=8 --ntasks-per-node=2 --cpus-per-task=16 "
            "--cpu-bind=cores /opt/rankpool/bin/rankpool run /data/jobs/sweep one.toml --shard 2/3 "
            "--out /data/out/sweep.2.h5\n");
  EXPECT_NE(read_file(dir.path / "out.txt").find("rankpool: exit status 3"), std::string::npos);
  EXPECT_FALSE(fs::exists(sbatch_log)) << "only element 0 submits the merge";

  EXPECT_EQ(element(0), 3) << read_file(dir.path / "out.txt");
  EXPECT_NE(read_file(srun_log).find("--shard 0/3 --out /data/out/sweep.0.h5"), std::string::npos);
  EXPECT_EQ(read_file(sbatch_log),
            "--parsable\n--dependency=afterok:40\n--kill-on-invalid-dep=yes\n--job-name=rankpool-merge\n--nodes=1\n"
            "--ntasks=1\n--time=02:30:00\n--partition=compute\n--output=rankpool-merge-%j.out\n"
            "--wrap=/opt/rankpool/bin/rankpool merge /data/out/sweep.h5 /data/out/sweep.0.h5 /data/out/sweep.1.h5 "
            "/data/out/sweep.2.h5 \n");
  EXPECT_NE(read_file(dir.path / "out.txt").find("rankpool: merge job 77 runs after array job 40"), std::string::npos);

  // A part file that exists (a requeued element) is resumed.
  fs::create_directories(dir.path / "data");
  r.output = (dir.path / "data/sweep.h5").string();
  write_file(dir.path / "job.sbatch", make_batch_script(r));
  write_file(dir.path / "data/sweep.1.h5", "");
  EXPECT_EQ(element(1), 3);
  EXPECT_NE(without_exit_code_file(read_file(srun_log))
                .find("--shard 1/3 --out " + (dir.path / "data/sweep.1.h5").string() + " --resume\n"),
            std::string::npos)
      << read_file(srun_log);

  // Without an exit code from rankpool (rank 0 died, or a bad job), srun's status stands.
  write_file(dir.path / "srun", "#!/bin/bash\necho \"$*\" > \"$SRUN_LOG\"\nexit 5\n");
  fs::permissions(dir.path / "srun", fs::perms::owner_all);
  EXPECT_EQ(element(2), 5) << read_file(dir.path / "out.txt");
}

TEST(SlurmAttributes, OnlyTheVariablesSet) {
  std::vector<std::string> inherited;  // when the test itself runs inside a SLURM job
  for (char** entry = environ; *entry; ++entry)
    if (std::string_view(*entry).starts_with("SLURM_"))
      inherited.emplace_back(*entry, std::string_view(*entry).find('='));
  for (const auto& name : inherited) unsetenv(name.c_str());
  setenv("SLURM_JOB_ID", "123", 1);
  setenv("SLURM_JOB_NODELIST", "n[1-2]", 1);
  setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  setenv("SLURM_NOT_RECORDED", "x", 1);
  const auto found = rankpool::slurm_attributes();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"SLURM_JOB_ID", "123"}, {"SLURM_JOB_NODELIST", "n[1-2]"}, {"SLURM_ARRAY_TASK_ID", "5"}};
  EXPECT_EQ(found, expected);
  for (const char* name : {"SLURM_JOB_ID", "SLURM_JOB_NODELIST", "SLURM_ARRAY_TASK_ID", "SLURM_NOT_RECORDED"})
    unsetenv(name);
  EXPECT_TRUE(rankpool::slurm_attributes().empty());
}

}  // namespace

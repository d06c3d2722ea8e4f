// What the tests of the dist kvstores share: fitbench-cli under mpirun (on
// loopback, or across the simulated hosts of tests/cluster/cluster.sh), waited
// for with a limit, its ranks found, its checkpoints and log lines compared.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_test_util.h"
#include "fitbench/checkpoint.h"

#if FITBENCH_HAVE_MPI
constexpr bool kHaveMpi = true;
#else
constexpr bool kHaveMpi = false;
#endif

#define SKIP_WITHOUT_MPI() \
  if (!kHaveMpi) GTEST_SKIP() << "this build has no MPI (install libopenmpi-dev and reconfigure)"

namespace fitbench::test {

struct Result {
  int code = -1;
  std::string output;
};

// `words` split at spaces, after `argv`.
inline std::vector<std::string> with_words(std::vector<std::string> argv, const std::string& words) {
  std::istringstream in(words);
  for (std::string w; in >> w;) argv.push_back(w);
  return argv;
}

inline std::vector<std::string> mpirun_argv(int workers, const std::string& cli_args) {
  // Loopback only; no shared-memory single copy, which some containers forbid.
  return with_words({FITBENCH_MPIEXEC, "-np", std::to_string(workers), "--oversubscribe", "--mca",
                     "btl_vader_single_copy_mechanism", "none", FITBENCH_CLI_PATH},
                    cli_args);
}

// Starts `argv` with stdout and stderr in `log`; returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  // Root in CI containers; one OpenMP thread per worker on a 2-core machine.
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("FITBENCH_TEST_JOB", std::to_string(getpid()).c_str(), 1);  // for rank_pid
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits up to `limit` for `pid`; then sends it `signal` and waits for it
// (a hang is a failure, reported by the caller through `finished`).
inline int wait_for(pid_t pid, std::chrono::seconds limit, bool& finished, int signal = SIGKILL) {
  const auto end = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      finished = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  finished = false;
  kill(pid, signal);
  waitpid(pid, &status, 0);
  return -1;
}

// Runs `argv` to its end (at most 300 s; then `signal` ends it).
inline Result run(const std::vector<std::string>& argv, const TempDir& dir, int signal = SIGKILL) {
  const std::string log = dir.file("output.txt");
  bool finished = false;
  Result r;
  r.code = wait_for(spawn(argv, log), std::chrono::seconds(300), finished, signal);
  r.output = read_file(log);
  EXPECT_TRUE(finished) << "did not end within 300 s:\n" << r.output;
  return r;
}

inline double validation_accuracy(const std::string& output, int rank, int epoch) {
  const std::string key =
      "Node[" + std::to_string(rank) + "] Epoch[" + std::to_string(epoch) + "] Validation-accuracy=";
  const auto pos = output.rfind(key);
  if (pos == std::string::npos) return -1;
  return std::stod(output.substr(pos + key.size()));
}

inline float max_difference(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.arg_params.size(), b.arg_params.size());
  float worst = 0;
  for (const auto& [name, t] : a.arg_params) {
    const auto& u = b.arg_params.at(name);
    EXPECT_EQ(t.size(), u.size()) << name;
    for (int64_t i = 0; i < t.size(); ++i) worst = std::max(worst, std::fabs(t.f32()[i] - u.f32()[i]));
  }
  return worst;
}

// The pid of rank `rank` of the job spawn() started as `job`: every process
// of the job (mpirun, OpenMPI's daemons, which leave their parents, and the
// ranks) carries its number in the environment, and OpenMPI tells each rank
// its own.
inline pid_t rank_pid(pid_t job, int rank) {
  const std::string wanted[] = {"FITBENCH_TEST_JOB=" + std::to_string(job),
                                "OMPI_COMM_WORLD_RANK=" + std::to_string(rank)};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string environ = read_file(entry.path() / "environ");
    std::replace(environ.begin(), environ.end(), '\0', '\n');
    environ = "\n" + environ;
    if (environ.find("\n" + wanted[0] + "\n") != std::string::npos &&
        environ.find("\n" + wanted[1] + "\n") != std::string::npos)
      return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

}  // namespace fitbench::test

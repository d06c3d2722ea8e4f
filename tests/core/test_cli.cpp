// fitbench-cli as a user runs it: argument errors exit with code 2 and one
// line naming the argument; Ctrl-C keeps the last complete checkpoint, and a
// resume from it continues at the right epoch with the right learning rate.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "file_test_util.h"
#include "run_program.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"

using fitbench::test::TempDir;

namespace {

using Result = fitbench::test::ProgramResult;

Result run_cli(const std::string& args) { return fitbench::test::run_program(FITBENCH_CLI_PATH, args); }

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, BadValueIsOneLineNamingTheArgumentAndExitCode2) {
  const Result r = run_cli("--network lenet --lr abc");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("--lr"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("abc"), std::string::npos) << r.output;
}

TEST(Cli, UnknownArgumentIsOneLineAndExitCode2) {
  const Result r = run_cli("--network lenet --frobnicate 3");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("--frobnicate"), std::string::npos) << r.output;
}

TEST(Cli, HelpListsArgumentsAndExitsZero) {
  const Result r = run_cli("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* arg : {"--network", "--kv-store", "--lr-step-epochs", "--model-prefix", "--load-epoch",
                          "--monitor", "--top-k", "--test-io", "--benchmark", "--random-crop"})
    EXPECT_NE(r.output.find(arg), std::string::npos) << arg;
  EXPECT_NE(r.output.find("\nGPU module: "), std::string::npos) << r.output;
}

TEST(Cli, UnknownNetworkIsAClearError) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path(), "train", 64, 1);
  const Result r = run_cli("--network alexnot --data-train " + dir.path().string() + " --run-dir " + dir.file("run"));
  EXPECT_EQ(r.code, 2);
  // Refused with the arguments, before anything is written.
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
  EXPECT_NE(r.output.find("alexnot"), std::string::npos) << r.output;
}

// issue 13: what the arguments alone show is wrong comes all at once, each
// problem naming its argument, before anything is written.
TEST(Cli, EveryStartProblemAtOnceBeforeAnythingIsWritten) {
  TempDir dir;
  const Result r = run_cli("--network mlp --gpus 99 --data-train " + dir.file("nowhere") + " --model-prefix " +
                           dir.file("m/mlp") + " --load-epoch 3 --run-dir " + dir.file("run"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(count_lines(r.output), 3) << r.output;
  EXPECT_NE(r.output.find("fitbench-cli: error: --gpus 99: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("argument --data-train: " + dir.file("nowhere") + " does not exist"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("argument --load-epoch: " + dir.file("m/mlp-symbol.json") +
                          " does not exist (epochs saved under " + dir.file("m/mlp") + ": none)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("m")));
}

// issue 13: the first Ctrl-C saves the epoch so far, and a resume goes on from it.
TEST(Cli, InterruptSavesTheEpochSoFarAndResumeContinuesIt) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 3000, 5);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 100, 6);
  const std::string prefix = dir.file("ckpt/lenet");
  const std::string common = "--network lenet --data-train " + dir.file("data") + " --data-val " + dir.file("data") +
                             " --batch-size 50 --lr 0.05 --lr-step-epochs 1 --model-prefix " + prefix;
  const std::string log = dir.file("first.log");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string command = "exec " + std::string(FITBENCH_CLI_PATH) + " " + common +
                                " --num-epochs 50 --disp-batches 1 > " + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Interrupt in the middle of the second epoch: as soon as its first batch
  // is logged (stderr is unbuffered), with 59 batches of it still to go. A
  // fixed wait after the first checkpoint raced a fast CPU to the end of it.
  const auto second_epoch_started = [&] {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("Epoch[1] Batch [") != std::string::npos;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!second_epoch_started() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  ASSERT_TRUE(std::filesystem::exists(fitbench::params_path(prefix, 1)));
  // Epoch 1 so far as a partial checkpoint, no complete epoch 2, no temporary left behind.
  const std::string partial = fitbench::partial_prefix(prefix);
  EXPECT_TRUE(std::filesystem::exists(fitbench::params_path(partial, 1)));
  EXPECT_TRUE(std::filesystem::exists(fitbench::states_path(partial, 1)));
  EXPECT_FALSE(std::filesystem::exists(fitbench::params_path(prefix, 2)));
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "ckpt"))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();

  const Result resumed = run_cli(common + " --num-epochs 2 --load-prefix " + partial + " --load-epoch 1");
  EXPECT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("Adjust learning rate to 5.000000e-03 for epoch 1"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("Epoch[1] skipped its first"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("Epoch[1] Train-accuracy="), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("Epoch[0]"), std::string::npos) << resumed.output;
  EXPECT_TRUE(std::filesystem::exists(fitbench::params_path(prefix, 2)));
}

}  // namespace

// issue 12's reproduction: the diverged mlp exits 3 naming a layer, and
// leaves no NaN checkpoint behind.
TEST(Cli, DivergedRunExitsThreeNamingTheLayer) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 320, 3);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 4);
  const Result r = run_cli("--network mlp --lr 1e6 --num-epochs 1 --batch-size 32 --data-train " + dir.file("data") +
                           " --data-val " + dir.file("data") + " --model-prefix " + dir.file("m/mlp"));
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("the first value to go non-finite is the output of layer 'fc3'"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(fitbench::params_path(dir.file("m/mlp"), 1)));
}

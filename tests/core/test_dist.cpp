// The MPI kvstores end to end: fitbench-cli under mpirun with 2 workers on
// loopback (CTest label mpi). dist_sync must train exactly like one process
// with the doubled batch; dist_async and 2-bit compression must train; a
// killed worker must end the run with an error naming its rank.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dist_test_util.h"
#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"

using namespace fitbench::test;

namespace {

std::string data_args(const TempDir& dir, int train_count) {
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", train_count, 11);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 500, 12);
  return "--network mlp --data-train " + dir.file("data") + " --data-val " + dir.file("data") +
         " --num-examples " + std::to_string(train_count) + " --disp-batches 20 --lr 0.05 --seed 5";
}

}  // namespace

TEST(DistSync, TwoWorkersTrainLikeOneProcessWithTheDoubleBatch) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  // 2048 samples = 32 updates of 64: both workers read 32 batches of 32.
  const std::string common = data_args(dir, 2048) + " --num-epochs 1";
  const Result dist = run(mpirun_argv(2, common + " --kv-store dist_sync --batch-size 32 --model-prefix " +
                                              dir.file("dist/mlp")),
                          dir);
  ASSERT_EQ(dist.code, 0) << dist.output;
  EXPECT_NE(dist.output.find("Node[1] Resizing training data to 32 batches per machine"), std::string::npos)
      << dist.output;
  // Each worker names the host it runs on.
  for (int rank : {0, 1})
    EXPECT_NE(dist.output.find("Node[" + std::to_string(rank) + "] Worker rank " + std::to_string(rank) +
                               " of 2 runs on host " + fitbench::host_name()),
              std::string::npos)
        << dist.output;
  const Result single =
      run(with_words({FITBENCH_CLI_PATH},
                     common + " --kv-store local --batch-size 64 --model-prefix " + dir.file("local/mlp")),
          dir);
  ASSERT_EQ(single.code, 0) << single.output;

  const auto rank0 = fitbench::load_checkpoint(dir.file("dist/mlp"), 1);
  const auto rank1 = fitbench::load_checkpoint(dir.file("dist/mlp-1"), 1);
  const auto one = fitbench::load_checkpoint(dir.file("local/mlp"), 1);
  EXPECT_EQ(max_difference(rank0, rank1), 0.0f);
  EXPECT_LE(max_difference(rank0, one), 1e-5f);
  // Each worker logs into its own run directory.
  EXPECT_TRUE(std::filesystem::exists(dir.file("dist/node1/log.txt")));
  EXPECT_NE(read_file(dir.file("dist/log.txt")).find("Node[0] Epoch[0] Train-accuracy"), std::string::npos);
}

TEST(DistSync, ResumedWorkersReadTheirOwnCheckpointsAndContinueExactly) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string common = data_args(dir, 1024) + " --kv-store dist_sync --batch-size 32";
  const Result straight = run(mpirun_argv(2, common + " --num-epochs 2 --model-prefix " + dir.file("straight/mlp")), dir);
  ASSERT_EQ(straight.code, 0) << straight.output;
  const Result first = run(mpirun_argv(2, common + " --num-epochs 1 --model-prefix " + dir.file("split/mlp")), dir);
  ASSERT_EQ(first.code, 0) << first.output;
  const Result resumed =
      run(mpirun_argv(2, common + " --num-epochs 2 --load-epoch 1 --model-prefix " + dir.file("split/mlp")), dir);
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  // fit.py's _load_model: rank 1 reads "prefix-1", which it wrote.
  EXPECT_NE(resumed.output.find("Node[1] Loaded model " + dir.file("split/mlp-1") + "_0001.params"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(max_difference(fitbench::load_checkpoint(dir.file("straight/mlp"), 2),
                           fitbench::load_checkpoint(dir.file("split/mlp"), 2)),
            0.0f);
  EXPECT_EQ(max_difference(fitbench::load_checkpoint(dir.file("straight/mlp-1"), 2),
                           fitbench::load_checkpoint(dir.file("split/mlp-1"), 2)),
            0.0f);
}

TEST(DistSync, TwoBitCompressionKeepsWorkersIdenticalAndTrains) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const Result r = run(mpirun_argv(2, data_args(dir, 2048) + " --num-epochs 2 --batch-size 32 --kv-store dist_sync "
                                           "--gc-type 2bit --gc-threshold 0.5 --model-prefix " +
                                           dir.file("ckpt/mlp")),
                       dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2-bit gradient compression"), std::string::npos) << r.output;
  EXPECT_EQ(max_difference(fitbench::load_checkpoint(dir.file("ckpt/mlp"), 2),
                           fitbench::load_checkpoint(dir.file("ckpt/mlp-1"), 2)),
            0.0f);
  EXPECT_GT(validation_accuracy(r.output, 0, 1), 0.5) << r.output;
}

TEST(DistAsync, TwoWorkersTrainWithoutABarrier) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const Result r = run(mpirun_argv(2, data_args(dir, 2048) + " --num-epochs 2 --batch-size 32 --kv-store dist_async "
                                           "--run-dir " + dir.file("async")),
                       dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("rank 0 serves the updates"), std::string::npos) << r.output;
  EXPECT_GT(validation_accuracy(r.output, 0, 1), 0.5) << r.output;
  EXPECT_GT(validation_accuracy(r.output, 1, 1), 0.5) << r.output;
  // Rank 1's records carry the rate and the count of the server's update.
  std::istringstream records(read_file(dir.file("async/node1/metrics.jsonl")));
  int batches = 0;
  int64_t last_update = 0;
  for (std::string line; std::getline(records, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record.value("type", "") != "batch") continue;
    ++batches;
    EXPECT_DOUBLE_EQ(record.at("lr").get<double>(), 0.05) << line;
    EXPECT_GT(record.at("num_update").get<int64_t>(), last_update) << line;
    last_update = record.at("num_update").get<int64_t>();
  }
  EXPECT_EQ(batches, 64);  // 2 epochs of 1024 samples in batches of 32
}

TEST(DistSync, KilledWorkerEndsTheRunWithAnErrorNamingItsRank) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string prefix = dir.file("ckpt/mlp");
  const std::string log = dir.file("output.txt");
  const pid_t mpirun = spawn(mpirun_argv(2, data_args(dir, 4096) + " --num-epochs 100000 --batch-size 16 "
                                                "--kv-store dist_sync --model-prefix " + prefix),
                             log);
  // Mid-run: rank 0 has written its second checkpoint.
  bool started = false;
  for (int i = 0; i < 1200 && !started; ++i) {
    started = std::filesystem::exists(fitbench::params_path(prefix, 2));
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const pid_t victim = started ? rank_pid(mpirun, 1) : -1;
  if (victim > 0) kill(victim, SIGKILL);
  bool finished = false;
  const int code = wait_for(mpirun, std::chrono::seconds(60), finished);
  const std::string output = read_file(log);
  ASSERT_TRUE(started) << output;
  ASSERT_GT(victim, 0) << "rank 1 not found among mpirun's children\n" << output;
  EXPECT_TRUE(finished) << "the run went on after rank 1 was killed:\n" << output;
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("Node[0] Error: worker rank 1 stopped unexpectedly"), std::string::npos) << output;
  // The newest checkpoint on disk is whole.
  int last = 2;
  while (std::filesystem::exists(fitbench::params_path(prefix, last + 1))) ++last;
  EXPECT_NO_THROW(fitbench::load_checkpoint(prefix, last));
}

// Cluster nodes often have host names that no resolver knows. The workers
// must find rank 0 without one: run both in a private UTS namespace whose
// host name resolves nowhere (as root, or as root of a user namespace).
TEST(DistSync, WorkersFindRankZeroWhenItsHostNameDoesNotResolve) {
  SKIP_WITHOUT_MPI();
  std::vector<std::string> argv{"/usr/bin/unshare", "--uts"};
  if (std::system("/usr/bin/unshare --uts true >/dev/null 2>&1") != 0) {
    argv.push_back("--map-root-user");
    if (std::system("/usr/bin/unshare --uts --map-root-user true >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "no private UTS namespace here (unshare --uts needs root or user namespaces)";
  }
  TempDir dir;
  // sh -c 'script' $0 $@: set the host name, then become mpirun.
  for (const char* word : {"/bin/sh", "-c", "hostname fitbench-unresolvable.invalid && exec \"$0\" \"$@\""})
    argv.push_back(word);
  for (const auto& word : mpirun_argv(2, data_args(dir, 512) + " --num-epochs 1 --batch-size 32 --kv-store dist_sync "
                                                               "--model-prefix " + dir.file("ckpt/mlp")))
    argv.push_back(word);
  const Result r = run(argv, dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(max_difference(fitbench::load_checkpoint(dir.file("ckpt/mlp"), 1),
                           fitbench::load_checkpoint(dir.file("ckpt/mlp-1"), 1)),
            0.0f);
}

// A worker that is stopped (kill -STOP), like a frozen machine or a network
// partition, keeps its sockets open: only its silence tells. The job must end
// within --dist-timeout + 10 s, naming the rank, on the surviving worker.
TEST(DistSync, StoppedWorkerEndsTheRunWithinTheTimeoutNamingItsRank) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  const std::string prefix = dir.file("ckpt/mlp");
  const std::string log = dir.file("output.txt");
  const pid_t mpirun = spawn(mpirun_argv(2, data_args(dir, 4096) + " --num-epochs 100000 --batch-size 16 "
                                                "--kv-store dist_sync --dist-timeout 4 --model-prefix " + prefix),
                             log);
  bool started = false;
  for (int i = 0; i < 1200 && !started; ++i) {
    started = std::filesystem::exists(fitbench::params_path(prefix, 1));
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const pid_t victim = started ? rank_pid(mpirun, 1) : -1;
  if (victim > 0) kill(victim, SIGSTOP);
  const auto stopped_at = std::chrono::steady_clock::now();
  bool finished = false;
  const int code = wait_for(mpirun, std::chrono::seconds(14), finished);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
  if (victim > 0 && !finished) kill(victim, SIGKILL);
  const std::string output = read_file(log);
  ASSERT_TRUE(started) << output;
  ASSERT_GT(victim, 0) << "rank 1 not found among mpirun's children\n" << output;
  EXPECT_TRUE(finished) << "the run went on for 14 s after rank 1 was stopped:\n" << output;
  EXPECT_NE(code, 0);
  EXPECT_LT(took, 14.0);
  EXPECT_NE(output.find("Node[0] Error: worker rank 1 stopped unexpectedly (nothing heard from it for 4 s"),
            std::string::npos)
      << output;
}

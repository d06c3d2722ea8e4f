// The MPI kvstores across machines, simulated: tests/cluster/cluster.sh makes
// 3 hosts of network namespaces joined by veth links, and fitbench-cli runs
// under mpirun with one rank on each, on TCP only (CTest label cluster; root).
// Fashion-MNIST's first samples keep each run to seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "dist_test_util.h"
#include "file_test_util.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit_data.h"
#include "run_program.h"

using namespace fitbench::test;

namespace {

const std::string kCluster = FITBENCH_SOURCE_DIR "/tests/cluster/cluster.sh";
constexpr int kHosts = 3;

// Skips the test where the hosts cannot be made (cluster.sh says why).
#define SKIP_WITHOUT_CLUSTER(check_args)                                                             \
  SKIP_WITHOUT_MPI();                                                                                \
  if (const auto reason = fitbench::default_data_missing(); !reason.empty()) GTEST_SKIP() << reason; \
  if (const auto check = run_program("bash " + kCluster + " check", check_args); check.code != 0)    \
  GTEST_SKIP() << "no simulated hosts: " << check.output

// fitbench-cli on every host; `links` shapes them (cluster.sh up's options).
std::vector<std::string> cluster_argv(const std::string& cli_args,
                                      const std::vector<std::string>& links = {}) {
  std::vector<std::string> argv{"/bin/bash", kCluster, "run"};
  argv.insert(argv.end(), links.begin(), links.end());
  argv.push_back("--");
  return with_words(argv, FITBENCH_CLI_PATH + (" " + cli_args));
}

// The first `examples` samples of Fashion-MNIST.
std::string data_args(int examples, const std::string& lr = "0.05") {
  return "--network mlp --num-examples " + std::to_string(examples) + " --disp-batches 10 --lr " + lr +
         " --seed 5";
}

// The best of the ranks' validation accuracies after `epoch`: under dist_async
// each rank validates after its own last update, which the others' may follow.
double best_accuracy(const std::string& output, int epoch) {
  double best = -1;
  for (int r = 0; r < kHosts; ++r) best = std::max(best, validation_accuracy(output, r, epoch));
  return best;
}

// Where rank `rank` of a run with --model-prefix `prefix` saves.
std::string rank_prefix(const std::string& prefix, int rank) {
  return rank == 0 ? prefix : prefix + "-" + std::to_string(rank);
}

fitbench::Checkpoint rank_checkpoint(const std::string& prefix, int rank, int epoch) {
  return fitbench::load_checkpoint(rank_prefix(prefix, rank), epoch);
}

void expect_identical_ranks(const std::string& prefix, int epoch) {
  const auto rank0 = rank_checkpoint(prefix, 0, epoch);
  for (int r = 1; r < kHosts; ++r)
    EXPECT_EQ(max_difference(rank0, rank_checkpoint(prefix, r, epoch)), 0.0f) << r;
}

// The Speedometer's samples/s of each line of rank 0.
std::vector<double> speeds(const std::string& output) {
  std::vector<double> s;
  const std::regex line(R"(Node\[0\] Epoch\[\d+\] Batch \[\d+-\d+\]\tSpeed: ([0-9.]+) samples/sec)");
  for (std::sregex_iterator m(output.begin(), output.end(), line), end; m != end; ++m)
    s.push_back(std::stod((*m)[1]));
  return s;
}

bool alive(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// The last epoch every rank saved; 0 when one saved none.
int last_epoch_of_all_ranks(const std::string& prefix) {
  int last = std::numeric_limits<int>::max();
  for (int r = 0; r < kHosts; ++r) {
    const std::vector<int> epochs = fitbench::saved_epochs(rank_prefix(prefix, r));
    last = std::min(last, epochs.empty() ? 0 : epochs.back());
  }
  return last;
}

}  // namespace

TEST(ClusterSync, ThreeHostsTrainLikeOneProcessWithTheTripleBatch) {
  SKIP_WITHOUT_CLUSTER("");
  TempDir dir;
  // 1920 samples = 20 updates of 96.
  const std::string common = data_args(1920) + " --num-epochs 1";
  const Result dist = run(
      cluster_argv(common + " --kv-store dist_sync --batch-size 32 --model-prefix " + dir.file("dist/mlp")),
      dir, SIGTERM);
  ASSERT_EQ(dist.code, 0) << dist.output;
  EXPECT_NE(dist.output.find("Node[2] Resizing training data to 20 batches per machine"), std::string::npos)
      << dist.output;
  // Rank K-1 on host K, each naming its own.
  for (int r = 0; r < kHosts; ++r)
    EXPECT_NE(dist.output.find("Node[" + std::to_string(r) + "] Worker rank " + std::to_string(r) +
                               " of 3 runs on host fbhost" + std::to_string(r + 1)),
              std::string::npos)
        << dist.output;
  const Result single =
      run(with_words({FITBENCH_CLI_PATH},
                     common + " --kv-store local --batch-size 96 --model-prefix " + dir.file("local/mlp")),
          dir);
  ASSERT_EQ(single.code, 0) << single.output;
  expect_identical_ranks(dir.file("dist/mlp"), 1);
  EXPECT_LE(max_difference(rank_checkpoint(dir.file("dist/mlp"), 0, 1),
                           fitbench::load_checkpoint(dir.file("local/mlp"), 1)),
            1e-5f);
}

// dist_device_sync sums in main memory as dist_sync does (kvstore.h): the same weights.
TEST(ClusterSync, DeviceSyncOnThreeHostsEndsAsDistSync) {
  SKIP_WITHOUT_CLUSTER("");
  TempDir dir;
  const std::string common = data_args(960) + " --num-epochs 1 --batch-size 32 --kv-store ";
  for (const std::string store : {"dist_sync", "dist_device_sync"}) {
    const Result r =
        run(cluster_argv(common + store + " --model-prefix " + dir.file(store + "/mlp")), dir, SIGTERM);
    ASSERT_EQ(r.code, 0) << r.output;
  }
  expect_identical_ranks(dir.file("dist_device_sync/mlp"), 1);
  EXPECT_EQ(max_difference(rank_checkpoint(dir.file("dist_sync/mlp"), 0, 1),
                           rank_checkpoint(dir.file("dist_device_sync/mlp"), 0, 1)),
            0.0f);
}

// 20 ms +- 5 ms and 1% loss on every link where the kernel has netem; 1% loss
// alone elsewhere (cluster.sh --drop), which still makes TCP retransmit.
TEST(ClusterSync, SlowLossyLinksKeepTheWorkersIdentical) {
  SKIP_WITHOUT_CLUSTER("");
  const auto netem = run_program("bash " + kCluster + " check", "--netem");
  const std::vector<std::string> links = netem.code == 0
                                             ? std::vector<std::string>{"--netem", "delay 20ms 5ms loss 1%"}
                                             : std::vector<std::string>{"--drop", "1"};
  if (netem.code != 0) std::cout << "1% loss without delay: " << netem.output;
  TempDir dir;
  const Result r = run(cluster_argv(data_args(960) +
                                        " --num-epochs 1 --kv-store dist_sync --batch-size 32 "
                                        "--disp-batches 2 --model-prefix " +
                                        dir.file("ckpt/mlp"),
                                    links),
                       dir, SIGTERM);
  ASSERT_EQ(r.code, 0) << r.output;
  expect_identical_ranks(dir.file("ckpt/mlp"), 1);
  const auto s = speeds(r.output);
  ASSERT_FALSE(s.empty()) << r.output;
  std::cout << "samples/s of all hosts over links with " << links[0] << " " << links[1]
            << " (from rank 0's Speedometer lines):";
  for (double v : s) std::cout << " " << v * kHosts;
  std::cout << "\n";
}

TEST(ClusterAsync, ThreeHostsReachTheAccuracyOfLoopback) {
  SKIP_WITHOUT_CLUSTER("");
  TempDir dir;
  // lr 0.05 with momentum 0.9 diverges under asynchrony, on loopback too.
  const std::string args = data_args(9600, "0.01") + " --num-epochs 3 --batch-size 32 --kv-store dist_async";
  const Result cluster = run(cluster_argv(args + " --run-dir " + dir.file("cluster")), dir, SIGTERM);
  ASSERT_EQ(cluster.code, 0) << cluster.output;
  const Result loopback = run(mpirun_argv(kHosts, args + " --run-dir " + dir.file("loopback")), dir);
  ASSERT_EQ(loopback.code, 0) << loopback.output;
  const double across = best_accuracy(cluster.output, 2);
  const double local = best_accuracy(loopback.output, 2);
  std::cout << "dist_async validation accuracy: " << across << " across 3 hosts, " << local
            << " on loopback\n";
  EXPECT_GT(local, 0.7) << loopback.output;
  // The order of the updates differs between any two runs: a few points apart.
  EXPECT_GT(across, local - 0.05) << cluster.output;
}

// A host whose cable is pulled keeps its processes and sockets: only silence
// tells. The others must end within --dist-timeout + 10 s, naming its rank;
// once the cable is back, a resume from the last checkpoint continues exactly.
TEST(ClusterSync, LostHostEndsTheRunAndTheResumeContinuesExactly) {
  SKIP_WITHOUT_CLUSTER("");
  TempDir dir;
  const std::string prefix = dir.file("cut/mlp");
  const std::string common = data_args(960) + " --kv-store dist_sync --batch-size 32";
  // Only the cut run waits for silence: the runs after it keep the default
  // timeout, so a loaded test machine cannot end them early.
  const pid_t job = spawn(cluster_argv(common + " --dist-timeout 4 --num-epochs 100000 --model-prefix " + prefix),
                          dir.file("cut.txt"));
  bool started = false;
  for (int i = 0; i < 1200 && !started; ++i) {
    started = std::filesystem::exists(fitbench::params_path(prefix, 2));
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::vector<pid_t> survivors{rank_pid(job, 0), rank_pid(job, 1)};
  run_program("bash " + kCluster, "link 3 down");
  const auto cut_at = std::chrono::steady_clock::now();
  const auto any_alive = [&] { return alive(survivors[0]) || alive(survivors[1]); };
  while (any_alive() && std::chrono::steady_clock::now() - cut_at < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - cut_at).count();
  run_program("bash " + kCluster, "link 3 up");
  bool finished = false;
  const int code = wait_for(job, std::chrono::seconds(60), finished, SIGTERM);
  const std::string output = read_file(dir.file("cut.txt"));
  ASSERT_TRUE(started) << output;
  ASSERT_GT(survivors[0], 0) << output;
  ASSERT_GT(survivors[1], 0) << output;
  std::cout << "the surviving ranks ended " << took << " s after host 3's cable was pulled\n";
  EXPECT_LT(took, 4 + 10);
  EXPECT_TRUE(finished) << "mpirun did not end within 60 s of the cable's return:\n" << output;
  EXPECT_NE(code, 0);
  const std::string lost = "Error: worker rank 2 stopped unexpectedly (";
  EXPECT_NE(read_file(dir.file("cut/log.txt")).find("Node[0] " + lost), std::string::npos) << output;
  EXPECT_NE(read_file(dir.file("cut/node1/log.txt")).find("Node[1] " + lost), std::string::npos) << output;

  // Every rank's last checkpoint of an epoch all of them finished loads; the
  // resume from it and an uninterrupted run end with the same weights.
  const int last = last_epoch_of_all_ranks(prefix);
  ASSERT_GE(last, 2);
  for (int r = 0; r < kHosts; ++r) EXPECT_NO_THROW(rank_checkpoint(prefix, r, last)) << r;
  const std::string epochs = " --num-epochs " + std::to_string(last + 1);
  const Result resumed = run(
      cluster_argv(common + epochs + " --load-epoch " + std::to_string(last) + " --model-prefix " + prefix),
      dir, SIGTERM);
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  const Result straight =
      run(cluster_argv(common + epochs + " --model-prefix " + dir.file("straight/mlp")), dir, SIGTERM);
  ASSERT_EQ(straight.code, 0) << straight.output;
  for (int r = 0; r < kHosts; ++r)
    EXPECT_EQ(max_difference(rank_checkpoint(prefix, r, last + 1),
                             rank_checkpoint(dir.file("straight/mlp"), r, last + 1)),
              0.0f)
        << r;
}

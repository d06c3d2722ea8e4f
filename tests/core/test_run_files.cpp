// What a run writes, and when: nothing in its run directory until its data
// and model are set up (a start that fails leaves an earlier run's files byte
// for byte), and the error that ends a started run in its log.txt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"

using namespace fitbench;
using fitbench::test::TempDir;
using ::testing::HasSubstr;

namespace {

const FitOptions kQuiet{nullptr, nullptr, false, {}};

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// File name -> bytes, of every file in `dir`.
std::map<std::string, std::string> contents(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files[entry.path().filename().string()] = bytes_of(entry.path().string());
  return files;
}

// mlp on 320 small images in batches of 32: 10 batches an epoch, 2 epochs.
FitArgs small_run(const TempDir& dir, const std::string& prefix) {
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 320, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 2);
  FitArgs a = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  a.set("batch-size", "32");
  a.set("num-epochs", "2");
  a.set("model-prefix", dir.file(prefix));
  return a;
}

class Recorder : public TrainingObserver {
 public:
  void on_checkpoint(const CheckpointInfo& c) override { checkpoints.push_back(c); }
  void on_log(const std::string& line) override { log += line + "\n"; }
  std::vector<CheckpointInfo> checkpoints;
  std::string log;
};

class FailedSetUp : public ::testing::TestWithParam<std::string> {};

// issue 13: a Start that failed rewrote config.json beside the earlier run's
// metrics.jsonl and checkpoints.
TEST_P(FailedSetUp, LeavesTheRunDirectoryAsItWas) {
  TempDir dir;
  FitArgs a = small_run(dir, "run/mlp");
  a.set("num-epochs", "1");
  fit(a, kQuiet);
  const auto before = contents(dir.path() / "run");
  ASSERT_TRUE(before.count("config.json") && before.count("metrics.jsonl") && before.count("log.txt"));

  a.set("lr", "0.2");  // so a config.json written for this run would differ
  if (GetParam() == "missing_data") a.set("data-train", dir.file("nowhere"));
  if (GetParam() == "missing_checkpoint") a.set("load-epoch", "7");
  if (GetParam() == "labels_out_of_range") a.set("num-classes", "5");
  Recorder rec;
  EXPECT_THROW(fit(a, {&rec, nullptr, false, {}}), Error);
  EXPECT_EQ(contents(dir.path() / "run"), before);
  // The host heard the lines all the same.
  EXPECT_THAT(rec.log, HasSubstr("start with arguments"));
}

INSTANTIATE_TEST_SUITE_P(Causes, FailedSetUp,
                         ::testing::Values("missing_data", "missing_checkpoint", "labels_out_of_range"),
                         [](const auto& info) { return info.param; });

TEST(FailedSetUp, CreatesNoRunDirectory) {
  TempDir dir;
  FitArgs a = small_run(dir, "ckpt/mlp");
  a.set("data-train", dir.file("nowhere"));
  a.set("run-dir", dir.file("run"));
  EXPECT_THROW(fit(a, kQuiet), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("ckpt")));
}

// Once set up, the run writes as it goes: its early lines first in log.txt,
// and the error that ends it last.
TEST(RunLog, TheErrorThatEndsAStartedRunIsInItsLog) {
  TempDir dir;
  FitArgs a = small_run(dir, "blocked/mlp");
  std::ofstream(dir.file("blocked")) << "a file where the checkpoints' directory should be";
  a.set("run-dir", dir.file("run"));
  EXPECT_THROW(fit(a, kQuiet), Error);
  const std::string log = bytes_of(dir.file("run/log.txt"));
  EXPECT_THAT(log.substr(0, log.find('\n')), HasSubstr("Node[0] start with arguments"));
  EXPECT_THAT(log, HasSubstr("Epoch[0] Time cost="));
  EXPECT_THAT(log, HasSubstr("Error: cannot create the checkpoint directory '" + dir.file("blocked") + "'"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/config.json")));
}

}  // namespace

// Training health: a batch whose loss or gradient is not finite is an event
// (--on-nonfinite stop, skip-batch, continue, or a pause in the application),
// the diagnosis names the first layer whose values went bad, and no
// checkpoint with non-finite weights is ever written; what killed saves left
// behind is cleared by the next run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"

using namespace fitbench;
using fitbench::test::TempDir;
using ::testing::HasSubstr;

namespace {

class Recorder : public TrainingObserver {
 public:
  void on_nonfinite(const NonFiniteEvent& e) override { events.push_back(e); }
  void on_log(const std::string& line) override { log += line + "\n"; }
  std::vector<NonFiniteEvent> events;
  std::string log;
};

// mlp with a learning rate of 1e6 on 320 small images: its third batch's
// outputs overflow (measured; the batch does not matter to the tests).
FitArgs diverging_args(const TempDir& dir, const std::string& policy) {
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 320, 3);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 4);
  FitArgs a = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  a.set("batch-size", "32");
  a.set("lr", "1e6");
  a.set("num-epochs", "1");
  a.set("model-prefix", dir.file("ckpt/mlp"));
  a.set("on-nonfinite", policy);
  return a;
}

bool finite_checkpoint(const std::string& prefix, int epoch) {
  const Checkpoint c = load_checkpoint(prefix, epoch);
  for (const auto* params : {&c.arg_params, &c.aux_params})
    for (const auto& [name, t] : *params)
      for (int64_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t.f32()[i])) return false;
  return true;
}

TEST(OnNonFinite, StopEndsTheRunNamingTheLayerAndWritesNoCheckpoint) {
  TempDir dir;
  Recorder rec;
  const FinishInfo finish = fit(diverging_args(dir, "stop"), {&rec, nullptr, false, {}});
  ASSERT_TRUE(finish.diverged.has_value());
  EXPECT_FALSE(finish.completed);
  ASSERT_EQ(rec.events.size(), 1u);
  const NonFiniteEvent& e = *finish.diverged;
  EXPECT_EQ(e.epoch, 0);
  EXPECT_EQ(e.quantity, "loss");
  // The forward pass overflows before any gradient is computed: the last
  // FullyConnected's outputs are the first values to go non-finite.
  EXPECT_EQ(e.layer, "fc3");
  EXPECT_EQ(e.kind, "output");
  EXPECT_EQ(e.entry, "fc3_output");
  EXPECT_THAT(rec.log, HasSubstr("Error: Epoch[0] Batch [" + std::to_string(e.batch) + "]: the loss is not finite"));
  EXPECT_THAT(rec.log, HasSubstr("No checkpoint was written"));
  EXPECT_FALSE(std::filesystem::exists(params_path(dir.file("ckpt/mlp"), 1)));
}

TEST(OnNonFinite, SkipBatchDropsTheBadUpdatesAndSavesFiniteWeights) {
  TempDir dir;
  Recorder rec;
  const FinishInfo finish = fit(diverging_args(dir, "skip-batch"), {&rec, nullptr, false, {}});
  EXPECT_TRUE(finish.completed);
  EXPECT_FALSE(finish.diverged);
  // Diagnosed once per epoch, counted at its end.
  EXPECT_EQ(rec.events.size(), 1u);
  EXPECT_THAT(rec.log, HasSubstr("its update is dropped (--on-nonfinite skip-batch)"));
  EXPECT_THAT(rec.log, HasSubstr("batch(es) had a non-finite loss or gradient; their updates were dropped"));
  ASSERT_TRUE(std::filesystem::exists(params_path(dir.file("ckpt/mlp"), 1)));
  EXPECT_TRUE(finite_checkpoint(dir.file("ckpt/mlp"), 1));
}

TEST(OnNonFinite, ContinueAppliesThemButNeverSavesNonFiniteWeights) {
  TempDir dir;
  Recorder rec;
  const FinishInfo finish = fit(diverging_args(dir, "continue"), {&rec, nullptr, false, {}});
  EXPECT_TRUE(finish.completed);
  EXPECT_THAT(rec.log, HasSubstr("their updates were applied (--on-nonfinite continue)"));
  EXPECT_THAT(rec.log, HasSubstr("Not saving epoch 1: its weights are not finite. No checkpoint was written."));
  EXPECT_FALSE(std::filesystem::exists(params_path(dir.file("ckpt/mlp"), 1)));
}

// A checkpoint with one NaN weight (a damaged file, or one written by another
// tool): the diagnosis names that weight, and the loaded epoch stays the last good one.
TEST(OnNonFinite, ANonFiniteWeightInALoadedCheckpointIsNamed) {
  TempDir dir;
  FitArgs healthy = diverging_args(dir, "stop");
  healthy.set("lr", "0.05");
  fit(healthy, {nullptr, nullptr, false, {}});
  const std::string prefix = dir.file("ckpt/mlp");
  Checkpoint c = load_checkpoint(prefix, 1);
  c.arg_params.at("fc2_weight").f32()[7] = std::numeric_limits<float>::quiet_NaN();
  save_checkpoint(prefix, 1, c);

  FitArgs resumed = healthy;
  resumed.set("load-epoch", "1");
  resumed.set("num-epochs", "2");
  Recorder rec;
  const FinishInfo finish = fit(resumed, {&rec, nullptr, false, {}});
  ASSERT_TRUE(finish.diverged.has_value());
  EXPECT_EQ(finish.diverged->batch, 0);
  EXPECT_EQ(finish.diverged->layer, "fc2");
  EXPECT_EQ(finish.diverged->kind, "weight");
  EXPECT_EQ(finish.diverged->entry, "fc2_weight");
  EXPECT_THAT(rec.log, HasSubstr("The checkpoint of epoch 1 is the last good one."));
  EXPECT_FALSE(std::filesystem::exists(params_path(prefix, 2)));
}

// The application's way: the run pauses; resuming goes back to the weights
// at the start of the epoch and goes on with the rate the person set.
TEST(OnNonFinite, PauseWaitsThenResumesFromTheWeightsOfTheEpochsStart) {
  TempDir dir;
  Recorder rec;
  TrainingControl control;
  std::atomic<bool> done{false};
  std::atomic<int> pauses{0};
  std::thread person([&] {
    while (!done) {
      if (control.paused()) {
        ++pauses;
        control.set_learning_rate(1e-9);
        control.resume();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  FitOptions options{&rec, &control, false, {}};
  options.pause_on_nonfinite = true;
  FinishInfo finish;
  try {
    finish = fit(diverging_args(dir, "stop"), options);
  } catch (...) {
    done = true;
    person.join();
    throw;
  }
  done = true;
  person.join();
  EXPECT_EQ(pauses, 1);
  EXPECT_EQ(rec.events.size(), 1u);
  EXPECT_TRUE(finish.completed);
  EXPECT_FALSE(finish.diverged);
  EXPECT_THAT(rec.log, HasSubstr("Paused: resume to go back to the weights at the start of the epoch"));
  EXPECT_THAT(rec.log, HasSubstr("Resumed from the weights at the start of epoch 0 (before update 1)"));
  EXPECT_TRUE(finite_checkpoint(dir.file("ckpt/mlp"), 1));
}

TEST(OnNonFinite, StopRequestedWhilePausedEndsTheRunAsDiverged) {
  TempDir dir;
  TrainingControl control;
  std::atomic<bool> done{false};
  std::thread person([&] {
    while (!done) {
      if (control.paused()) control.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  FitOptions options{nullptr, &control, false, {}};
  options.pause_on_nonfinite = true;
  const FinishInfo finish = fit(diverging_args(dir, "stop"), options);
  done = true;
  person.join();
  EXPECT_TRUE(finish.diverged.has_value());
  EXPECT_FALSE(std::filesystem::exists(params_path(dir.file("ckpt/mlp"), 1)));
}

TEST(OnNonFinite, UnknownPolicyIsABadArgument) {
  FitArgs a;
  EXPECT_THROW(a.set("on-nonfinite", "ignore"), ArgError);
}

}  // namespace

namespace {

// A save killed mid-write leaves "prefix-0003.params.tmp-PID"; the next run
// with that prefix removes it when PID is gone, and keeps a live writer's.
TEST(StaleTemporaries, ARunRemovesThoseOfDeadWritersOnly) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "ckpt");
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // a pid that no longer exists
  const std::string dead = dir.file("ckpt/mlp-0003.params.tmp-" + std::to_string(child));
  const std::string live = dir.file("ckpt/mlp-0004.params.tmp-" + std::to_string(getpid()));
  const std::string other = dir.file("ckpt/other-0001.params.tmp-" + std::to_string(child));
  for (const auto& path : {dead, live, other}) std::ofstream(path) << "partial";

  FitArgs a = diverging_args(dir, "stop");
  a.set("lr", "0.05");
  Recorder rec;
  fit(a, {&rec, nullptr, false, {}});
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
  EXPECT_TRUE(std::filesystem::exists(other));
  EXPECT_THAT(rec.log, HasSubstr("Removed " + dead + ", left by a save that was interrupted"));
}

}  // namespace

namespace {

// A label the network cannot predict is found before training, naming the
// labels file, not when its batch comes (after a checkpoint, for validation).
TEST(Labels, OutOfRangeLabelsAreRefusedBeforeTrainingNamingTheFile) {
  TempDir dir;
  FitArgs a = diverging_args(dir, "stop");
  a.set("lr", "0.05");
  a.set("num-classes", "5");  // the fixture's labels go up to 9
  const std::string message = fitbench::test::error_message([&] { fit(a, {nullptr, nullptr, false, {}}); });
  EXPECT_THAT(message, HasSubstr(dir.file("data/train-labels-idx1-ubyte")));
  EXPECT_THAT(message, HasSubstr("not one of the 5 classes"));
  EXPECT_FALSE(std::filesystem::exists(params_path(dir.file("ckpt/mlp"), 1)));
}

}  // namespace

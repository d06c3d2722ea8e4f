// What a run writes, and when: nothing in its run directory until its data
// and model are set up (a start that fails leaves an earlier run's files byte
// for byte), the error that ends a started run in its log.txt, a partial
// checkpoint when a stop overtakes a requested save (resumed at its next
// batch, never under a complete epoch's name), and which existing files a run would write over.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/fit.h"
#include "fitbench/image_codec.h"
#include "fitbench/training_state.h"

using namespace fitbench;
using fitbench::test::TempDir;
using ::testing::HasSubstr;
using Files = std::vector<std::string>;

namespace {

const FitOptions kQuiet{nullptr, nullptr, false, {}};

// Path inside `dir` -> bytes, of every file in `dir` and its folders (tb/).
std::map<std::string, std::string> contents(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file())
      files[std::filesystem::relative(entry.path(), dir).string()] = fitbench::read_file(entry.path().string());
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
  // Missing files are start problems (check_start), refused before the log
  // begins; a failure found while setting up is heard by the host all the same.
  if (GetParam() == "labels_out_of_range")
    EXPECT_THAT(rec.log, HasSubstr("start with arguments"));
  else
    EXPECT_EQ(rec.log, "");
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

// Two runs started in the same second without --run-dir or --model-prefix
// wrote into one runs/<network>-<time>: the name is taken by making it.
TEST(RunDirectory, ANewRunDirectoryIsMadeToTakeItsName) {
  TempDir dir;
  const std::filesystem::path was = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  FitConfig config = FitConfig::resolve(train_mnist_defaults());
  ASSERT_TRUE(config.names_new_run_directory());
  const std::string named = config.run_directory();
  EXPECT_THAT(named, ::testing::StartsWith("runs/mlp-"));
  EXPECT_FALSE(std::filesystem::exists(named));
  const std::string first = config.claim_run_directory();
  const std::string second = config.claim_run_directory();
  EXPECT_NE(first, second);
  EXPECT_TRUE(std::filesystem::is_directory(first));
  EXPECT_TRUE(std::filesystem::is_directory(second));
  // A named directory is only named.
  config.run_dir = "mine";
  EXPECT_EQ(config.claim_run_directory(), "mine");
  EXPECT_FALSE(std::filesystem::exists("mine"));
  std::filesystem::current_path(was);
}

// A skipped image was news for stderr only, where the application shows
// nothing, and its epoch's count came twice when the prefetch read ahead.
TEST(RunLog, SkippedImagesAreInTheRunsLogOnceAnEpoch) {
  TempDir dir;
  for (const char* label : {"a", "b"}) {
    std::filesystem::create_directories(dir.path() / "images" / label);
    for (int i = 0; i < 6; ++i) {
      Image image(28, 28, 1);
      const int value = label[0] == 'a' ? 40 * i : 250 - 40 * i;
      std::fill(image.pixels.begin(), image.pixels.end(), static_cast<uint8_t>(value));
      std::ofstream(dir.file(std::string("images/") + label + "/" + std::to_string(i) + ".png"), std::ios::binary)
          << encode_png(image, 6);
    }
  }
  std::ofstream(dir.file("images/a/broken.png"), std::ios::binary) << "not a png";
  FitArgs a = train_mnist_defaults();
  a.set("data-train", dir.file("images"));
  a.set("batch-size", "8");
  a.set("num-epochs", "2");
  a.set("num-classes", "2");
  a.set("run-dir", dir.file("run"));
  Recorder rec;
  ASSERT_TRUE(fit(a, {&rec, nullptr, false, {}}).completed);
  const std::string log = fitbench::read_file(dir.file("run/log.txt"));
  const auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("Node[0] WARNING: skipping an unreadable image: "), 1u) << log;
  EXPECT_EQ(count("broken.png"), 1u) << log;
  EXPECT_EQ(count("Node[0] WARNING: 1 unreadable image(s) skipped in this epoch"), 2u) << log;
  EXPECT_THAT(rec.log, HasSubstr("WARNING: 1 unreadable image(s) skipped"));
}

// Once set up, the run writes as it goes: its early lines first in log.txt,
// and the error that ends it last.
TEST(RunLog, TheErrorThatEndsAStartedRunIsInItsLog) {
  TempDir dir;
  FitArgs a = small_run(dir, "blocked/mlp");
  std::ofstream(dir.file("blocked")) << "a file where the checkpoints' directory should be";
  a.set("run-dir", dir.file("run"));
  EXPECT_THROW(fit(a, kQuiet), Error);
  const std::string log = fitbench::read_file(dir.file("run/log.txt"));
  EXPECT_THAT(log.substr(0, log.find('\n')), HasSubstr("Node[0] start with arguments"));
  EXPECT_THAT(log, HasSubstr("Epoch[0] Time cost="));
  EXPECT_THAT(log, HasSubstr("Error: cannot create the checkpoint directory '" + dir.file("blocked") + "'"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/config.json")));
}

// Stops the run after batch `batch` of epoch `epoch`, asking for a save with
// the stop (stop_and_save()) or just before it (request_save(), stop()).
class StopAt : public Recorder {
 public:
  StopAt(TrainingControl& control, int epoch, int64_t batch, bool together)
      : control_(control), epoch_(epoch), batch_(batch), together_(together) {}
  void on_batch_end(const BatchStats& s) override {
    if (s.epoch != epoch_ || s.batch != batch_) return;
    if (together_) {
      control_.stop_and_save();
    } else {
      control_.request_save();
      control_.stop();
    }
  }

 private:
  TrainingControl& control_;
  int epoch_;
  int64_t batch_;
  bool together_;
};

class StopAndSave : public ::testing::TestWithParam<bool> {};

// issue 13: quitting mid-epoch lost the epoch, and a save requested just
// before the stop was not honoured.
TEST_P(StopAndSave, SavesTheEpochSoFarAsAPartialCheckpointThatResumes) {
  TempDir dir;
  FitArgs a = small_run(dir, "ckpt/mlp");
  const std::string prefix = dir.file("ckpt/mlp");
  const std::string partial = partial_prefix(prefix);
  EXPECT_EQ(partial, prefix + "-partial");
  TrainingControl control;
  StopAt rec(control, 1, 3, GetParam());
  const FinishInfo finish = fit(a, {&rec, &control, false, {}});
  EXPECT_TRUE(finish.stopped);
  EXPECT_FALSE(finish.completed);

  // Epoch 1 (0-based) after 4 of its 10 batches, beside epoch 0's complete checkpoint "0001".
  ASSERT_EQ(rec.checkpoints.size(), 2u);
  EXPECT_EQ(rec.checkpoints[1].epoch, 1);
  EXPECT_EQ(rec.checkpoints[1].params_path, params_path(partial, 1));
  EXPECT_EQ(rec.checkpoints[1].states_path, states_path(partial, 1));
  EXPECT_FALSE(std::filesystem::exists(params_path(prefix, 2)));
  EXPECT_NE(fitbench::read_file(params_path(partial, 1)), fitbench::read_file(params_path(prefix, 1)));
  const Checkpoint loaded = load_checkpoint(partial, 1);
  EXPECT_FALSE(loaded.arg_params.empty());
  const TrainingState state = load_training_state(states_path(partial, 1));
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(state.num_update, 14);
  // The data state of the epoch's start, as a complete checkpoint of epoch 1 holds it.
  EXPECT_EQ(state.data_state, load_training_state(states_path(prefix, 1)).data_state);
  EXPECT_THAT(rec.log, HasSubstr("Epoch[1] stopped after 4 of its 10 batches: that checkpoint is partial"));
  EXPECT_EQ(state.batches_done, 4);
  EXPECT_THAT(rec.log, HasSubstr("--load-prefix " + partial + " --load-epoch 1) goes on with batch 4 of epoch 1"));

  // Resumed, the run goes on with epoch 1's fifth batch and saves the epoch
  // under the prefix, writing over nothing.
  FitArgs resume = a;
  resume.set("load-prefix", partial);
  resume.set("load-epoch", "1");
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(resume)), Files{});
  // The position counts batches of 32: a run that cuts the epoch otherwise
  // would skip other samples, so it is refused.
  for (const auto& [name, value] : {std::pair{"batch-size", "16"}, {"num-examples", "160"}}) {
    FitArgs other = resume;
    other.set(name, value);
    const std::string refused = fitbench::test::error_message([&] { fit(other, {nullptr, nullptr, false, {}}); });
    EXPECT_THAT(refused, HasSubstr(states_path(partial, 1) + " is a partial checkpoint of epoch 1, stopped after 4 "
                                                            "of its 10 batches of 32"))
        << name;
    EXPECT_THAT(refused, HasSubstr("--batch-size and --num-examples")) << name;
  }
  Recorder resumed;
  EXPECT_TRUE(fit(resume, {&resumed, nullptr, false, {}}).completed);
  EXPECT_THAT(resumed.log, HasSubstr(params_path(partial, 1) + " is a partial checkpoint of epoch 1"));
  EXPECT_THAT(resumed.log, HasSubstr("Epoch[1] skipped its first 4 batches"));
  EXPECT_EQ(load_training_state(states_path(prefix, 2)).num_update, 20);
}

INSTANTIATE_TEST_SUITE_P(Requests, StopAndSave, ::testing::Bool(), [](const auto& info) {
  return std::string(info.param ? "StopAndSave" : "RequestSaveThenStop");
});

float max_difference(const NamedArrays& a, const NamedArrays& b) {
  EXPECT_EQ(a.names, b.names);
  float most = 0;
  for (size_t i = 0; i < std::min(a.arrays.size(), b.arrays.size()); ++i) {
    const Tensor x = to_float32(a.arrays[i]), y = to_float32(b.arrays[i]);
    EXPECT_EQ(x.shape(), y.shape()) << a.names[i];
    for (int64_t j = 0; j < std::min(x.size(), y.size()); ++j)
      most = std::max(most, std::abs(x.data<float>()[j] - y.data<float>()[j]));
  }
  return most;
}

NamedArrays weights_of(const std::string& prefix, int epoch) {
  NamedArrays weights;
  for (const auto& [name, value] : load_checkpoint(prefix, epoch).arg_params) {
    weights.names.push_back(name);
    weights.arrays.push_back(value);
  }
  return weights;
}

// issue 13: the weights after an epoch that was stopped, saved and resumed
// mid-way are those of the run that was never stopped (shuffled data,
// momentum, an lr step after the resume).
TEST(StopAndSave, AResumedEpochEndsWithTheUninterruptedWeights) {
  TempDir dir;
  FitArgs whole = small_run(dir, "whole/mlp");
  whole.set("num-epochs", "3");
  whole.set("lr-step-epochs", "2");
  ASSERT_TRUE(fit(whole, kQuiet).completed);

  FitArgs stopped = whole;
  const std::string prefix = dir.file("stopped/mlp");
  stopped.set("model-prefix", prefix);
  TrainingControl control;
  StopAt rec(control, 1, 3, true);
  ASSERT_TRUE(fit(stopped, {&rec, &control, false, {}}).stopped);
  FitArgs resume = stopped;
  resume.set("load-prefix", partial_prefix(prefix));
  resume.set("load-epoch", "1");
  ASSERT_TRUE(fit(resume, kQuiet).completed);

  for (int epoch : {2, 3}) {
    const float weights = max_difference(weights_of(dir.file("whole/mlp"), epoch), weights_of(prefix, epoch));
    const TrainingState a = load_training_state(states_path(dir.file("whole/mlp"), epoch));
    const TrainingState b = load_training_state(states_path(prefix, epoch));
    const float momentum = max_difference(a.optimizer_states, b.optimizer_states);
    std::printf("epoch %d: largest difference to the uninterrupted run: weights %g, momentum %g\n", epoch,
                static_cast<double>(weights), static_cast<double>(momentum));
    EXPECT_LE(weights, 1e-6f) << epoch;
    EXPECT_LE(momentum, 1e-6f) << epoch;
    EXPECT_EQ(a.num_update, b.num_update);
    EXPECT_EQ(a.learning_rate, b.learning_rate);
    EXPECT_EQ(a.data_state, b.data_state);
  }
}

TEST(StopAndSave, APlainStopSavesNothing) {
  TempDir dir;
  FitArgs a = small_run(dir, "ckpt/mlp");
  TrainingControl control;
  struct : Recorder {
    TrainingControl* control = nullptr;
    void on_batch_end(const BatchStats& s) override {
      if (s.epoch == 1 && s.batch == 3) control->stop();
    }
  } rec;
  rec.control = &control;
  fit(a, {&rec, &control, false, {}});
  EXPECT_EQ(rec.checkpoints.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(params_path(partial_prefix(dir.file("ckpt/mlp")), 1)));
}

// After the epoch's last batch the epoch completes: its own checkpoint, whatever --save-period says.
TEST(StopAndSave, AfterTheLastBatchSavesTheCompleteEpoch) {
  TempDir dir;
  FitArgs a = small_run(dir, "ckpt/mlp");
  a.set("save-period", "100");
  TrainingControl control;
  StopAt rec(control, 0, 9, true);
  EXPECT_TRUE(fit(a, {&rec, &control, false, {}}).stopped);
  ASSERT_EQ(rec.checkpoints.size(), 1u);
  EXPECT_EQ(rec.checkpoints[0].params_path, params_path(dir.file("ckpt/mlp"), 1));
  EXPECT_FALSE(std::filesystem::exists(params_path(partial_prefix(dir.file("ckpt/mlp")), 0)));
}

TEST(PartialPrefix, NamesAndRecognizes) {
  EXPECT_EQ(partial_prefix("runs/m/lenet"), "runs/m/lenet-partial");
  EXPECT_EQ(prefix_of_partial("runs/m/lenet-partial"), "runs/m/lenet");
  EXPECT_EQ(prefix_of_partial("runs/m/lenet"), "");
  EXPECT_EQ(prefix_of_partial("-partial"), "");
}

void touch(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "x";
}

// issue 13: "Resume from this epoch" on epoch 2 of 4 rewrote epochs 3 and 4,
// and a new run over an existing prefix rewrote its epoch 1.
TEST(CheckpointFilesOverwritten, ListsWhatTheRunWouldWriteOver) {
  TempDir dir;
  const std::string prefix = dir.file("run/lenet");
  FitArgs a = train_mnist_defaults();
  a.set("num-epochs", "4");
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{});  // no --model-prefix
  a.set("model-prefix", prefix);
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{});  // nothing there yet
  touch(symbol_path(prefix));
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{});  // a network without epochs
  for (int epoch = 1; epoch <= 4; ++epoch) {
    touch(params_path(prefix, epoch));
    touch(states_path(prefix, epoch));
  }

  // A new run writes over each epoch it trains, and over the network of them all.
  a.set("num-epochs", "2");
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)),
            (Files{params_path(prefix, 1), states_path(prefix, 1), params_path(prefix, 2),
                   states_path(prefix, 2), symbol_path(prefix)}));
  // Resuming epoch 2 of 4 writes epochs 3 and 4 again.
  a.set("num-epochs", "4");
  a.set("load-epoch", "2");
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), (Files{params_path(prefix, 3), states_path(prefix, 3),
                                                    params_path(prefix, 4), states_path(prefix, 4)}));
  // Resuming the last epoch, or a partial checkpoint after it, writes over nothing.
  a.set("num-epochs", "6");
  a.set("load-epoch", "4");
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{});
  a.set("load-prefix", partial_prefix(prefix));
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{});
  // Loading another prefix's epoch into this one is a new run here.
  a.set("load-prefix", dir.file("other/lenet"));
  EXPECT_EQ(checkpoint_files_overwritten(FitConfig::resolve(a)), Files{symbol_path(prefix)});
}

}  // namespace

// The fit loop: training learns, checkpoints resume bit for bit, and bad
// input raises fitbench::Error naming the file or argument.
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/fit.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

class Recorder : public TrainingObserver {
 public:
  void on_epoch_end(const EpochStats& s) override { epochs.push_back(s); }
  void on_checkpoint(const CheckpointInfo& c) override { checkpoints.push_back(c); }
  void on_log(const std::string& line) override { lines.push_back(line); }
  std::vector<EpochStats> epochs;
  std::vector<CheckpointInfo> checkpoints;
  std::vector<std::string> lines;
};

FitArgs small_args(const TempDir& dir, const std::string& network, const std::string& prefix) {
  FitArgs a = fitbench::testing::idx_fit_args(dir.path(), network);
  a.set("batch-size", "32");
  a.set("disp-batches", "4");
  a.set("lr", "0.1");
  a.set("lr-step-epochs", "1");
  a.set("num-epochs", "2");
  a.set("model-prefix", dir.file(prefix));
  return a;
}

class Resume : public ::testing::TestWithParam<std::string> {};

TEST_P(Resume, TwoEpochsEqualOnePlusResumedOne) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 200, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 2);
  FitOptions quiet{nullptr, nullptr, false, {}};

  fit(small_args(dir, GetParam(), "straight/m"), quiet);
  FitArgs first = small_args(dir, GetParam(), "split/m");
  first.set("num-epochs", "1");
  fit(first, quiet);
  FitArgs second = small_args(dir, GetParam(), "split/m");
  second.set("load-epoch", "1");
  Recorder rec;
  fit(second, {&rec, nullptr, false, {}});

  const std::string straight = fitbench::read_file(params_path(dir.file("straight/m"), 2));
  ASSERT_FALSE(straight.empty());
  EXPECT_TRUE(straight == fitbench::read_file(params_path(dir.file("split/m"), 2))) << "resumed weights differ";
  EXPECT_EQ(fitbench::read_file(states_path(dir.file("straight/m"), 2)), fitbench::read_file(states_path(dir.file("split/m"), 2)));
  ASSERT_EQ(rec.epochs.size(), 1u);
  EXPECT_EQ(rec.epochs[0].epoch, 1);
  // lr-step-epochs 1: the resumed run starts from the reduced rate.
  EXPECT_FLOAT_EQ(rec.epochs[0].learning_rate, 0.01f);
  bool adjusted = false;
  for (const auto& l : rec.lines) adjusted = adjusted || l.find("Adjust learning rate to 1.000000e-02 for epoch 1") != std::string::npos;
  EXPECT_TRUE(adjusted);
}

INSTANTIATE_TEST_SUITE_P(Networks, Resume, ::testing::Values("mlp", "lenet"));

TEST(Fit, LearnsAndLogsAsMxnet) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 640, 3);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 128, 4);
  Recorder rec;
  FitArgs a = small_args(dir, "mlp", "out/mlp");
  a.set("monitor", "10");
  a.set("top-k", "3");
  a.set("loss", "ce");
  fit(a, {&rec, nullptr, false, {}});
  ASSERT_EQ(rec.epochs.size(), 2u);
  EXPECT_GT(rec.epochs[1].validation[0].second, 0.9);
  EXPECT_EQ(rec.epochs[1].validation[0].first, "accuracy");
  EXPECT_EQ(rec.epochs[1].validation[1].first, "top_k_accuracy_3");
  EXPECT_EQ(rec.epochs[1].validation[2].first, "cross-entropy");
  ASSERT_EQ(rec.checkpoints.size(), 2u);
  auto has = [&](const std::string& text) {
    for (const auto& l : rec.lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(" Node[0] start with arguments Namespace("));
  EXPECT_TRUE(has("Epoch[0] Batch [4-8]\tSpeed: "));
  EXPECT_TRUE(has("Epoch[1] Train-accuracy="));
  EXPECT_TRUE(has("Epoch[1] Time cost="));
  EXPECT_TRUE(has("Epoch[1] Validation-accuracy="));
  EXPECT_TRUE(has("Saved checkpoint to \"" + params_path(dir.file("out/mlp"), 2) + "\""));
  EXPECT_TRUE(has("Batch:       1 fc1_weight"));
  EXPECT_TRUE(has("Update[21]: Change learning rate to 1.00000e-02"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "metrics.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "config.json"));
}

void expect_error_naming(const FitArgs& args, const std::string& needle) {
  const std::string message = fitbench::test::error_message([&] { fit(args, {nullptr, nullptr, false, {}}); });
  EXPECT_NE(message.find(needle), std::string::npos) << message;
}

TEST(Fit, BadInputNamesTheCulprit) {
  TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 64, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 1);
  FitArgs a = small_args(dir, "mlp", "m/p");

  FitArgs unknown = a;
  EXPECT_THROW(unknown.set("network", "alexnot"), ArgError);

  FitArgs missing = a;
  missing.set("data-train", dir.file("nowhere"));
  expect_error_naming(missing, dir.file("nowhere"));

  FitArgs no_checkpoint = a;
  no_checkpoint.set("load-epoch", "7");
  expect_error_naming(no_checkpoint, "m/p-symbol.json");

  // No machine has a gpu(99); a build without CUDA refuses any --gpus.
  FitArgs gpus = a;
  gpus.set("gpus", "99");
  expect_error_naming(gpus, "--gpus 99");

  FitArgs dist = a;
  dist.set("kv-store", "dist_sync");
  expect_error_naming(dist, "dist_sync");

  // What the layers below refuse reaches a person as the argument to change.
  FitArgs depth = a;
  depth.set("network", "resnet");
  depth.set("num-layers", "21");
  expect_error_naming(depth, "argument --num-layers: 21 is not a resnet depth");
  EXPECT_THROW(fit(depth, {nullptr, nullptr, false, {}}), ArgError);

  FitArgs nccl_twice = a;
  nccl_twice.set("gpus", "0,0");
  nccl_twice.set("kv-store", "nccl");
  expect_error_naming(nccl_twice, "argument --kv-store: nccl takes each GPU once");

  // A checkpoint of another network is trained as it is (a fine-tuned run
  // resumed, --network left at its default), and the log says so.
  FitArgs once = a;
  once.set("num-epochs", "1");
  fit(once, {nullptr, nullptr, false, {}});
  FitArgs other = once;
  other.set("network", "lenet");
  other.set("load-epoch", "1");
  other.set("num-epochs", "2");
  struct Lines : TrainingObserver {
    std::string text;
    void on_log(const std::string& line) override { text += line + "\n"; }
  } lines;
  EXPECT_TRUE(fit(other, {&lines, nullptr, false, {}}).completed);
  EXPECT_NE(lines.text.find("m/p-symbol.json is not the network --network lenet makes with these arguments: "
                            "training the checkpoint's own network"),
            std::string::npos)
      << lines.text;
  EXPECT_TRUE(load_checkpoint(dir.file("m/p"), 2).arg_params.count("fc1_weight"));

  // A truncated .params file.
  const std::string params = params_path(dir.file("m/p"), 1);
  std::filesystem::resize_file(params, std::filesystem::file_size(params) / 2);
  FitArgs truncated = once;
  truncated.set("load-epoch", "1");
  expect_error_naming(truncated, params);
}

// fit.py's synthetic data: num_examples / batch_size whole batches an epoch.
TEST(Fit, BenchmarkEpochIsNumExamplesOverBatchSize) {
  class BatchCounter : public TrainingObserver {
   public:
    void on_batch_end(const BatchStats&) override { ++batches; }
    int batches = 0;
  } counter;
  TempDir dir;
  FitArgs a = fitbench::train_mnist_defaults();
  a.set("network", "mlp");
  a.set("benchmark", "1");
  a.set("num-examples", "100");
  a.set("batch-size", "32");
  a.set("num-epochs", "2");
  a.set("tensorboard", "0");
  fit(a, {&counter, nullptr, false, dir.file("run")});
  EXPECT_EQ(counter.batches, 2 * 3);

  a.set("num-examples", "20");
  expect_error_naming(a, "--benchmark 1 with --num-examples 20 and --batch-size 32 gives no batch");
}

TEST(LearningRateSchedule, FollowsFitPysStepsAndBeginEpoch) {
  FitArgs a = train_mnist_defaults();
  a.set("lr", "0.1");
  a.set("lr-step-epochs", "2,4");
  const auto rates = learning_rate_schedule(FitConfig::resolve(a), 10, 60);
  ASSERT_EQ(rates.size(), 60u);
  EXPECT_DOUBLE_EQ(rates[0], 0.1);
  EXPECT_DOUBLE_EQ(rates[19], 0.1);  // update 20: the drop applies from update 21
  EXPECT_NEAR(rates[20], 0.01, 1e-12);
  EXPECT_NEAR(rates[40], 0.001, 1e-12);
  a.set("load-epoch", "3");  // resumed after the first step: one drop already taken
  const auto resumed = learning_rate_schedule(FitConfig::resolve(a), 10, 20);
  EXPECT_NEAR(resumed[0], 0.01, 1e-12);
  EXPECT_NEAR(resumed[10], 0.001, 1e-12);
  a.set("lr-factor", "1");
  EXPECT_EQ(learning_rate_schedule(FitConfig::resolve(a), 10, 3), (std::vector<double>{0.1, 0.1, 0.1}));
}

}  // namespace

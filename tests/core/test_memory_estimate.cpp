// The pre-flight memory estimate: its parts are the Executor's own plan and
// add up, they follow the parameter count, the optimizer and the batch as the
// code that allocates them does, the largest fitting batch is consistent, and
// fit() refuses a run that cannot fit before it writes anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/executor.h"
#include "fitbench/fit.h"
#include "fitbench/memory_estimate.h"
#include "fitbench/models.h"
#include "tensor/memory.h"

using namespace fitbench;
using ::testing::HasSubstr;

namespace {

Shape image_batch(int64_t batch) { return Shape{batch, 1, 28, 28}; }

TrainingMemorySetup cpu_setup(int64_t batch, const std::string& optimizer = "sgd", float momentum = 0.9f) {
  TrainingMemorySetup s;
  s.batch_size = batch;
  s.sample_shape = {1, 28, 28};
  s.optimizer = optimizer;
  s.momentum = momentum;
  return s;
}

int64_t sum_of_parts(const MemoryParts& p) {
  return p.weights + p.gradients + p.optimizer_state + p.aux + p.activations + p.backward + p.workspace +
         p.data + p.runtime;
}

TEST(MemoryEstimate, PartsAreTheExecutorsOwnPlanAndAddUp) {
  const Symbol lenet = build_network("lenet", {10, 0, {1, 28, 28}});
  TrainingMemorySetup setup = cpu_setup(16);
  setup.data = {1000, 3};
  const MemoryEstimate e = estimate_training_memory(lenet, setup);
  const std::map<std::string, Shape> inputs{{"data", image_batch(16)}, {"softmax_label", Shape{16}}};
  const ExecutorFootprint fp = executor_footprint(lenet, inputs);
  const MemoryParts& h = e.host;
  EXPECT_EQ(h.weights, fp.params);
  EXPECT_EQ(h.gradients, fp.grads);
  EXPECT_EQ(h.aux, fp.aux);
  EXPECT_EQ(h.activations, fp.inputs + fp.outputs + fp.op_state);
  EXPECT_EQ(h.backward, fp.backward);
  EXPECT_EQ(h.workspace, fp.workspace);
  EXPECT_GT(h.backward, 0);
  EXPECT_GT(h.workspace, 0) << "lenet's convolutions use im2col scratch";
  EXPECT_EQ(h.data, 1000 + 3 * (16 * 28 * 28 + 16) * 4);
  EXPECT_GT(h.runtime, 0);
  EXPECT_EQ(h.total(), sum_of_parts(h));
  EXPECT_TRUE(e.gpus.empty());

  // What the Executor allocates is what was planned.
  const Executor executor(lenet, inputs);
  EXPECT_EQ(static_cast<int64_t>(executor.param_buffer().bytes()), fp.params);
  EXPECT_EQ(static_cast<int64_t>(executor.grad_buffer().bytes()), fp.grads);
  EXPECT_EQ(static_cast<int64_t>(executor.aux_buffer().bytes()), fp.aux);

  // --summary's table ends with the total.
  const auto lines = describe_memory_estimate(e);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.front(), HasSubstr("main memory"));
  EXPECT_THAT(lines.back(), HasSubstr("total"));
  EXPECT_THAT(lines.back(), HasSubstr(human_bytes(double(h.total()))));
}

// One 64x64 weight needs no alignment padding: its bytes are its count * 4.
TEST(MemoryEstimate, WeightsAndGradientsAreTheParameterCountTimesFour) {
  const Symbol fc = Symbol::from_json(R"({"nodes": [{"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "fc_weight", "inputs": []},
    {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "64", "no_bias": "True"},
     "inputs": [[0, 0, 0], [1, 0, 0]]},
    {"op": "null", "name": "softmax_label", "inputs": []},
    {"op": "SoftmaxOutput", "name": "softmax", "inputs": [[2, 0, 0], [3, 0, 0]]}], "heads": [[4, 0, 0]]})");
  TrainingMemorySetup setup = cpu_setup(8);
  setup.sample_shape = {64};
  const MemoryEstimate e = estimate_training_memory(fc, setup);
  EXPECT_EQ(e.host.weights, 64 * 64 * 4);
  EXPECT_EQ(e.host.gradients, 64 * 64 * 4);

  // Each parameter starts on a 256-byte boundary, which adds less than 256
  // bytes per parameter to the count (mlp has six).
  const Symbol mlp = build_network("mlp", {});
  const int64_t count = summarize_network(mlp, {{"data", image_batch(8)}}).total_params;
  const MemoryEstimate m = estimate_training_memory(mlp, cpu_setup(8));
  EXPECT_GE(m.host.weights, count * 4);
  EXPECT_LT(m.host.weights, count * 4 + 6 * 256);
  EXPECT_EQ(m.host.gradients, m.host.weights);
}

TEST(MemoryEstimate, AdamKeepsTwiceTheStateOfSgdWithMomentum) {
  const Symbol lenet = build_network("lenet", {10, 0, {1, 28, 28}});
  const int64_t sgd = estimate_training_memory(lenet, cpu_setup(8, "sgd", 0.9f)).host.optimizer_state;
  const int64_t weights = estimate_training_memory(lenet, cpu_setup(8, "sgd", 0.9f)).host.weights;
  EXPECT_EQ(sgd, weights) << "one momentum per weight, laid out as the weights";
  EXPECT_EQ(estimate_training_memory(lenet, cpu_setup(8, "nag", 0.9f)).host.optimizer_state, sgd);
  EXPECT_EQ(estimate_training_memory(lenet, cpu_setup(8, "adam", 0.0f)).host.optimizer_state, 2 * sgd);
  // sgd with --mom 0 keeps nothing: an empty state buffer is one float.
  EXPECT_EQ(estimate_training_memory(lenet, cpu_setup(8, "sgd", 0.0f)).host.optimizer_state, 4);
  // Undoing an update (pause on a non-finite batch) keeps a copy of both.
  TrainingMemorySetup rollback = cpu_setup(8, "adam", 0.0f);
  rollback.keeps_rollback = true;
  const MemoryEstimate r = estimate_training_memory(lenet, rollback);
  EXPECT_EQ(r.host.optimizer_state, 4 * sgd);
  EXPECT_EQ(r.host.weights, 2 * weights);
}

TEST(MemoryEstimate, ActivationsAndBatchesScaleWithTheBatchWeightsDoNot) {
  const Symbol lenet = build_network("lenet", {10, 0, {1, 28, 28}});
  TrainingMemorySetup small = cpu_setup(8), large = cpu_setup(16);
  small.data = large.data = {5000, 3};
  const MemoryEstimate a = estimate_training_memory(lenet, small);
  const MemoryEstimate b = estimate_training_memory(lenet, large);
  EXPECT_EQ(b.host.activations, 2 * a.host.activations);
  EXPECT_EQ(b.host.data - 5000, 2 * (a.host.data - 5000));
  EXPECT_GT(b.host.backward, a.host.backward);
  EXPECT_EQ(b.host.weights, a.host.weights);
  EXPECT_EQ(b.host.gradients, a.host.gradients);
  EXPECT_EQ(b.host.optimizer_state, a.host.optimizer_state);
  EXPECT_EQ(b.host.runtime, a.host.runtime);
}

// With a host master (--kv-store local over several devices) the host holds
// a copy of the weights and gradients, the mean aux states and a buffer where
// the executors' gradients are added; the optimizer state lives with the master.
TEST(MemoryEstimate, TheGradientSumDecidesTheMasterCopies) {
  const Symbol resnet = build_network("resnet", {10, 20, {3, 28, 28}});
  TrainingMemorySetup two = cpu_setup(16);
  two.sample_shape = {3, 28, 28};
  two.devices = {Device::cpu(), Device::cpu()};
  two.gradient_sum = GradientSum::Host;
  const ExecutorFootprint fp =
      executor_footprint(resnet, {{"data", Shape{8, 3, 28, 28}}, {"softmax_label", Shape{8}}});
  const MemoryEstimate e = estimate_training_memory(resnet, two);
  EXPECT_EQ(e.host.weights, 3 * fp.params);
  EXPECT_EQ(e.host.gradients, 4 * fp.grads);
  EXPECT_EQ(e.host.aux, 3 * fp.aux);
  EXPECT_EQ(e.host.optimizer_state, fp.params);
  EXPECT_EQ(e.host.activations, 2 * (fp.inputs + fp.outputs + fp.op_state));
}

TEST(MemoryEstimate, TheLargestFittingBatchFitsAndTheNextDoesNot) {
  const Symbol lenet = build_network("lenet", {10, 0, {1, 28, 28}});
  const auto total_at = [&](int64_t batch) {
    return estimate_training_memory(lenet, cpu_setup(batch)).host.total();
  };
  const TrainingMemorySetup at_500 = cpu_setup(500);
  for (const int64_t limit : {total_at(1), total_at(37) + 1000, total_at(499) - 1}) {
    const auto fits = [&](const MemoryEstimate& e) { return e.host.total() <= limit; };
    const int64_t batch = largest_fitting_batch(lenet, at_500, fits);
    ASSERT_GT(batch, 0) << limit;
    EXPECT_LT(batch, 500);
    EXPECT_LE(total_at(batch), limit);
    EXPECT_GT(total_at(batch + 1), limit);
  }
  EXPECT_EQ(largest_fitting_batch(lenet, at_500,
                                  [&](const MemoryEstimate& e) { return e.host.total() < total_at(1); }),
            0);
}

TEST(MemoryEstimate, AShortfallNamesTheDeviceWhereItIsShort) {
  MemoryEstimate e;
  e.host.activations = 100;
  e.gpus.emplace_back(1, MemoryParts{});
  e.gpus.back().second.weights = int64_t{3} << 30;
  EXPECT_TRUE(memory_shortfalls(e, {1000, {}}).empty()) << "a GPU that NVML does not report is not checked";
  EXPECT_TRUE(memory_shortfalls(e, {-1, {{1, int64_t{4} << 30}}}).empty());
  const auto gpu_short = memory_shortfalls(e, {1000, {{0, int64_t{8} << 30}, {1, int64_t{2} << 30}}});
  ASSERT_EQ(gpu_short.size(), 1u);
  EXPECT_THAT(gpu_short[0], HasSubstr("about 3.0 GiB of gpu(1)'s memory (weights 3.0 GiB)"));
  EXPECT_THAT(gpu_short[0], HasSubstr("2.0 GiB are available"));
  const auto host_short = memory_shortfalls(e, {10, {}});
  ASSERT_EQ(host_short.size(), 1u);
  EXPECT_THAT(host_short[0],
              HasSubstr("of main memory (activations 100 bytes) where 10 bytes are available"));
}

// A batch no machine holds stops before the run directory or a checkpoint is
// written, saying what it needs, what is available and which batch fits.
TEST(MemoryEstimate, FitRefusesARunThatCannotFitBeforeWritingAnything) {
  if (available_memory() < 0) GTEST_SKIP() << "the kernel does not say how much memory is available";
  test::TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 64, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 64, 2);
  FitArgs args = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  args.set("batch-size", "1000000000");
  args.set("num-epochs", "1");
  args.set("model-prefix", dir.file("ckpt/mlp"));
  const std::string run = dir.file("run");
  const std::string m = test::error_message([&] { fit(args, {nullptr, nullptr, false, run}); });
  EXPECT_THAT(m, HasSubstr("out of memory: --batch-size 1000000000 needs about "));
  EXPECT_THAT(m, HasSubstr("of main memory (weights "));
  EXPECT_THAT(m, HasSubstr(" are available; the largest --batch-size that fits is "));
  EXPECT_FALSE(std::filesystem::exists(run));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ckpt"));

  // --summary shows the same estimate and says the run would not fit.
  struct Lines : TrainingObserver {
    std::vector<std::string> lines;
    void on_log(const std::string& line) override { lines.push_back(line); }
  } log;
  args.set("summary", "1");
  EXPECT_TRUE(fit(args, {&log, nullptr, false, run}).completed);
  const auto has = [&](const std::string& text) {
    return std::any_of(log.lines.begin(), log.lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("Memory estimate"));
  EXPECT_TRUE(has("  activations"));
  EXPECT_TRUE(has("This run would not fit: --batch-size 1000000000 needs about "));
}

// The estimate of fit's arguments is the one --summary prints: the idx files
// held whole as float32, sizes read from their headers.
TEST(MemoryEstimate, FitsArgumentsCountTheDataSetFromItsHeaders) {
  test::TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", 100, 1);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 30, 2);
  FitArgs args = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  args.set("batch-size", "10");
  const DataFootprint data = fit_data_footprint(FitConfig::resolve(args));
  EXPECT_EQ(data.fixed_bytes, (100 + 30) * (28 * 28 + 1) * 4);
  EXPECT_EQ(data.batches, 4) << "two prefetched, the one training, the one validating";
  EXPECT_EQ(check_fit_memory(FitConfig::resolve(args)).estimate.host.data, data.fixed_bytes + 4 * 10 * (28 * 28 + 1) * 4);
  args.set("benchmark", "1");
  EXPECT_EQ(fit_data_footprint(FitConfig::resolve(args)).fixed_bytes, 0);
  EXPECT_EQ(fit_data_footprint(FitConfig::resolve(args)).batches, 1)
      << "the synthetic batch is handed out, not copied";
}

// Encoded images (.rec, folders) count the decoded images kept for later
// epochs at most: --image-cache-mb, once for training and validation together.
TEST(MemoryEstimate, RecordDataCountsTheDecodedImageBudget) {
  test::TempDir dir;
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 30, 2);
  std::ofstream(dir.file("train.rec")).put('\0');
  FitArgs args = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  args.set("data-train", dir.file("train.rec"));
  args.set("image-shape", "1,28,28");
  const int64_t val_bytes = 30 * (28 * 28 + 1) * 4;
  EXPECT_EQ(fit_data_footprint(FitConfig::resolve(args)).fixed_bytes, val_bytes + (int64_t{256} << 20));
  args.set("data-val", dir.file("train.rec"));
  EXPECT_EQ(fit_data_footprint(FitConfig::resolve(args)).fixed_bytes, int64_t{256} << 20);
  args.set("image-cache-mb", "0");
  EXPECT_EQ(fit_data_footprint(FitConfig::resolve(args)).fixed_bytes, 0);
}

// What the application shows next to Start: fit()'s own check, run before
// anything starts. Data that is not there yet is left out and said so.
TEST(MemoryEstimate, AHostChecksARunBeforeItStarts) {
  if (available_memory() < 0) GTEST_SKIP() << "the kernel does not say how much memory is available";
  test::TempDir dir;
  FitArgs args = fitbench::testing::idx_fit_args(dir.path(), "mlp");
  const MemoryCheck small = check_fit_memory(FitConfig::resolve(args));
  EXPECT_THAT(small.data_missing, HasSubstr((dir.path() / "data").string()));
  EXPECT_GT(small.estimate.host.total(), 0);
  EXPECT_GT(small.available.host, 0);
  EXPECT_EQ(small.shortfall, "");

  args.set("batch-size", "1000000000");
  const MemoryCheck huge = check_fit_memory(FitConfig::resolve(args));
  EXPECT_THAT(huge.shortfall, HasSubstr("--batch-size 1000000000 needs about "));
  EXPECT_THAT(huge.shortfall, HasSubstr("the largest --batch-size that fits is "));
}

}  // namespace

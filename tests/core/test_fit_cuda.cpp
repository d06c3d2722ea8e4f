// Training on a GPU (label gpu; every test skips without a usable GPU):
// lenet learns there as on the CPU, two executors on one GPU (--gpus 0,0)
// train like one with the whole batch (local and device; NCCL refuses a GPU
// twice, which becomes a message), and checkpoints move between the CPU and
// the GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/evaluate.h"
#include "fitbench/fit.h"
#include "fitbench/fit_data.h"
#include "fitbench/gpu_module.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

class OnGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gpu_module_status().loaded) GTEST_SKIP() << gpu_module_status().reason;
    if (usable_gpu_count() == 0) GTEST_SKIP() << "no usable GPU on this machine";
    fitbench::testing::write_idx_pair(dir_.path() / "data", "train", 640, 1);
    fitbench::testing::write_idx_pair(dir_.path() / "data", "t10k", 320, 2);
  }

  FitArgs args(const std::string& network, const std::string& prefix, const std::string& gpus) const {
    FitArgs a = fitbench::testing::idx_fit_args(dir_.path(), network);
    a.set("batch-size", "64");
    a.set("lr", "0.05");
    a.set("lr-step-epochs", "1");
    a.set("num-epochs", "2");
    a.set("model-prefix", dir_.file(prefix));
    if (!gpus.empty()) a.set("gpus", gpus);
    return a;
  }

  static double accuracy(const FinishInfo& f) {
    for (const auto& [name, value] : f.last_validation)
      if (name == "accuracy") return value;
    ADD_FAILURE() << "no validation accuracy";
    return 0;
  }

  static void expect_params_close(const std::string& a, const std::string& b, double tolerance) {
    const Checkpoint x = load_checkpoint(a, 2), y = load_checkpoint(b, 2);
    ASSERT_EQ(x.arg_params.size(), y.arg_params.size());
    for (const auto& [name, t] : x.arg_params) {
      const Tensor& u = y.arg_params.at(name);
      ASSERT_EQ(t.shape(), u.shape()) << name;
      for (int64_t i = 0; i < t.size(); ++i)
        ASSERT_NEAR(t.f32()[i], u.f32()[i], tolerance * std::max(1.0f, std::fabs(u.f32()[i])))
            << name << "[" << i << "]";
    }
  }

  TempDir dir_;
  FitOptions quiet_{nullptr, nullptr, false, {}};
};

TEST_F(OnGpu, LenetLearnsAsOnTheCpu) {
  const double cpu = accuracy(fit(args("lenet", "cpu/m", ""), quiet_));
  const double gpu = accuracy(fit(args("lenet", "gpu/m", "0"), quiet_));
  EXPECT_GT(gpu, 0.5);
  EXPECT_NEAR(gpu, cpu, 0.05);
  // Same data order and initial weights: the weights differ by float rounding only.
  expect_params_close(dir_.file("cpu/m"), dir_.file("gpu/m"), 1e-2);
}

TEST_F(OnGpu, ScoringOnTheGpuAgreesWithTheCpu) {
  const FitArgs a = args("lenet", "scored/m", "0");
  fit(a, quiet_);
  const Checkpoint model = load_checkpoint(dir_.file("scored/m"), 2);
  NameValues metrics[2];
  for (int on_gpu = 0; on_gpu < 2; ++on_gpu) {
    auto val = make_val_data(FitConfig::resolve(a));
    EvaluateOptions options;
    options.metrics = {"accuracy", "ce"};
    options.device = on_gpu ? Device::gpu(0) : Device::cpu();
    metrics[on_gpu] = evaluate(model, *val, options).metrics;
  }
  ASSERT_EQ(metrics[0].size(), 2u);
  // Rounding may flip a near tie: at most one sample of 320 here.
  EXPECT_NEAR(metrics[1][0].second, metrics[0][0].second, 1.0 / 320) << "accuracy";
  EXPECT_NEAR(metrics[1][1].second, metrics[0][1].second, 1e-4) << "cross-entropy";
}

TEST_F(OnGpu, TwoExecutorsOnOneGpuTrainLikeOne) {
  fit(args("mlp", "one/m", "0"), quiet_);
  // Half batches sum in another order than the whole batch: rounding apart, the same run.
  for (const std::string kv : {"local", "device"}) {
    FitArgs two = args("mlp", "two-" + kv + "/m", "0,0");
    two.set("kv-store", kv);
    fit(two, quiet_);
    expect_params_close(dir_.file("one/m"), dir_.file("two-" + kv + "/m"), 1e-3);
  }
}

TEST_F(OnGpu, NcclRefusesOneGpuTwiceAndSaysWhatToUse) {
  FitArgs two = args("mlp", "nccl/m", "0,0");
  two.set("kv-store", "nccl");
  try {
    fit(two, quiet_);
    FAIL() << "NCCL accepted gpu(0) twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--kv-store device"), std::string::npos) << e.what();
  }
}

TEST_F(OnGpu, NcclOverTwoGpusTrainsLikeOne) {
  if (usable_gpu_count() < 2) GTEST_SKIP() << "needs two GPUs";
  fit(args("mlp", "one/m", "0"), quiet_);
  FitArgs two = args("mlp", "two-nccl/m", "0,1");
  two.set("kv-store", "nccl");
  fit(two, quiet_);
  expect_params_close(dir_.file("one/m"), dir_.file("two-nccl/m"), 1e-3);
}

TEST_F(OnGpu, CheckpointsResumeAcrossDevices) {
  // Epoch 1 on one device, epoch 2 on the other, against 2 epochs on the CPU.
  fit(args("lenet", "straight/m", ""), quiet_);
  for (const auto& [first, second] : {std::pair<std::string, std::string>{"0", ""}, {"", "0"}}) {
    const std::string prefix = "moved" + first + "-" + second + "/m";
    FitArgs a = args("lenet", prefix, first);
    a.set("num-epochs", "1");
    fit(a, quiet_);
    FitArgs b = args("lenet", prefix, second);
    b.set("load-epoch", "1");
    fit(b, quiet_);
    expect_params_close(dir_.file("straight/m"), dir_.file(prefix), 1e-2);
  }
}

}  // namespace

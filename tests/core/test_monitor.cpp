// The parameter monitor's snapshots (--monitor N): the update/weight ratio, the
// histograms, the bounded copy of convolution filters and the non-finite flag,
// all checked on short real runs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "file_test_util.h"
#include "fit_fixture.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

class Snapshots : public TrainingObserver {
 public:
  void on_monitor(const MonitorSnapshot& s) override { all.push_back(s); }
  std::vector<MonitorSnapshot> all;
};

// The stats of one snapshot by name.
std::map<std::string, MonitorStat> by_name(const MonitorSnapshot& s) {
  std::map<std::string, MonitorStat> m;
  for (const auto& stat : s.stats) m[stat.name] = stat;
  return m;
}

int64_t histogram_total(const MonitorStat& s) {
  return std::accumulate(s.histogram.begin(), s.histogram.end(), int64_t{0});
}

// Plain SGD (no momentum, no weight decay, no schedule) on `examples` images of
// 32, monitoring every batch.
FitArgs plain_sgd(const TempDir& dir, const std::string& network, int examples) {
  fitbench::testing::write_idx_pair(dir.path() / "data", "train", examples, 5);
  fitbench::testing::write_idx_pair(dir.path() / "data", "t10k", 32, 6);
  FitArgs a = fitbench::testing::idx_fit_args(dir.path(), network);
  a.set("batch-size", "32");
  a.set("num-epochs", "1");
  a.set("lr", "0.1");
  a.set("lr-factor", "1");
  a.set("mom", "0");
  a.set("wd", "0");
  a.set("monitor", "1");
  a.set("model-prefix", dir.file("out/m"));
  return a;
}

TEST(Monitor, UpdateRatioOfPlainSgdIsLrTimesGradOverWeight) {
  TempDir dir;
  Snapshots snaps;
  fit(plain_sgd(dir, "mlp", 64), {&snaps, nullptr, false, {}});
  ASSERT_EQ(snaps.all.size(), 2u);
  EXPECT_EQ(snaps.all[0].step, 1);
  EXPECT_EQ(snaps.all[1].step, 2);
  for (const auto& snapshot : snaps.all) {
    const auto stats = by_name(snapshot);
    for (const std::string name : {"fc1_weight", "fc1_bias", "fc2_weight", "fc3_weight", "fc3_bias"}) {
      SCOPED_TRACE(name);
      const MonitorStat& w = stats.at(name);
      const MonitorStat& g = stats.at(name + "_grad");
      // w -= lr * g / batch, and rms ratios are norm ratios for equal sizes.
      const double expected = 0.1 / 32 * g.rms / w.rms;
      ASSERT_GT(expected, 0);
      EXPECT_NEAR(w.update_ratio, expected, 1e-3 * expected);
      EXPECT_LT(g.update_ratio, 0) << "gradients have no update ratio";
      EXPECT_TRUE(w.values.empty()) << "only 4-D weights are copied";
    }
  }
  // Biases start at zero, so the first update is the whole bias.
  EXPECT_NEAR(by_name(snaps.all[0]).at("fc1_bias").update_ratio, 1.0, 1e-6);
  EXPECT_LT(by_name(snaps.all[0]).at("fc1_output").update_ratio, 0);
}

TEST(Monitor, HistogramsCountEveryFiniteValueWithinTheRange) {
  TempDir dir;
  Snapshots snaps;
  fit(plain_sgd(dir, "mlp", 32), {&snaps, nullptr, false, {}});
  ASSERT_EQ(snaps.all.size(), 1u);
  const auto stats = by_name(snaps.all[0]);
  EXPECT_EQ(histogram_total(stats.at("fc1_weight")), 128 * 784);
  EXPECT_EQ(histogram_total(stats.at("fc1_bias")), 128);
  EXPECT_EQ(histogram_total(stats.at("fc1_output")), 32 * 128);
  EXPECT_EQ(histogram_total(stats.at("data")), 32 * 784);
  for (const auto& s : snaps.all[0].stats) {
    SCOPED_TRACE(s.name);
    EXPECT_TRUE(s.finite);
    ASSERT_EQ(s.histogram.size(), static_cast<size_t>(kMonitorHistogramBins));
    EXPECT_LE(s.min, s.max);
    if (s.name.ends_with("_grad")) {
      EXPECT_EQ(histogram_total(s), histogram_total(stats.at(s.name.substr(0, s.name.size() - 5))));
    }
  }
  // The weights spread over the range: both end bins hold the extremes.
  const MonitorStat& w = stats.at("fc1_weight");
  EXPECT_GT(w.histogram.front(), 0);
  EXPECT_GT(w.histogram.back(), 0);
}

TEST(Monitor, ConvolutionFiltersAreCopiedWithinTheBound) {
  TempDir dir;
  Snapshots snaps;
  // One batch: the snapshot shows the weights the checkpoint saves.
  fit(plain_sgd(dir, "lenet", 32), {&snaps, nullptr, false, {}});
  ASSERT_EQ(snaps.all.size(), 1u);
  const auto stats = by_name(snaps.all[0]);
  const Checkpoint saved = load_checkpoint(dir.file("out/m"), 1);

  const MonitorStat& conv0 = stats.at("convolution0_weight");  // (20, 1, 5, 5): whole
  EXPECT_EQ(conv0.values_shape, (std::vector<int64_t>{20, 1, 5, 5}));
  const Tensor& w1 = saved.arg_params.at("convolution0_weight");
  ASSERT_EQ(conv0.values.size(), static_cast<size_t>(w1.size()));
  for (int64_t i = 0; i < w1.size(); ++i) ASSERT_EQ(conv0.values[static_cast<size_t>(i)], w1.f32()[i]);

  const MonitorStat& conv1 = stats.at("convolution1_weight");  // (50, 20, 5, 5): the first 16 channels
  ASSERT_EQ(kMonitorMaxChannels, 16);
  EXPECT_EQ(conv1.values_shape, (std::vector<int64_t>{50, 16, 5, 5}));
  const Tensor& w2 = saved.arg_params.at("convolution1_weight");
  ASSERT_EQ(conv1.values.size(), 50u * 16 * 25);
  for (int64_t f = 0; f < 50; ++f)
    for (int64_t c = 0; c < 16; ++c)
      for (int64_t k = 0; k < 25; ++k)
        ASSERT_EQ(conv1.values[static_cast<size_t>((f * 16 + c) * 25 + k)], w2.f32()[(f * 20 + c) * 25 + k])
            << f << "," << c << "," << k;
  EXPECT_TRUE(stats.at("convolution1_weight_grad").values.empty());
  EXPECT_TRUE(stats.at("fullyconnected0_weight").values.empty());
}

TEST(Monitor, NanWeightClearsTheFiniteFlag) {
  TempDir dir;
  FitArgs a = plain_sgd(dir, "mlp", 32);
  a.set("monitor", "0");
  Snapshots none;
  fit(a, {&none, nullptr, false, {}});
  EXPECT_TRUE(none.all.empty()) << "--monitor 0 takes no snapshots";

  // Poison one weight of the checkpoint and resume from it.
  Checkpoint c = load_checkpoint(dir.file("out/m"), 1);
  c.arg_params.at("fc2_weight").f32()[7] = std::numeric_limits<float>::quiet_NaN();
  save_checkpoint(dir.file("out/m"), 1, c);
  a.set("monitor", "1");
  a.set("load-epoch", "1");
  a.set("num-epochs", "2");
  Snapshots snaps;
  fit(a, {&snaps, nullptr, false, {}});
  ASSERT_EQ(snaps.all.size(), 1u);
  const auto stats = by_name(snaps.all[0]);
  EXPECT_TRUE(stats.at("fc1_output").finite);
  EXPECT_FALSE(stats.at("fc2_output").finite);
  EXPECT_FALSE(stats.at("fc2_weight").finite);
  // Non-finite values stay out of the histogram.
  EXPECT_LT(histogram_total(stats.at("fc2_output")), 32 * 64);
  EXPECT_EQ(histogram_total(stats.at("fc1_output")), 32 * 128);
}

}  // namespace

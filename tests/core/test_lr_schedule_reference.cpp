// Learning rates of fitbench's schedulers against values MXNet 1.9.1 itself
// computed at the same update counts (tests/data/mxnet/schedules.json).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fitbench/file_util.h"
#include "fitbench/lr_scheduler.h"
#include "fitbench/ndarray_file.h"

using namespace fitbench;

namespace {

nlohmann::json reference() {
  return nlohmann::json::parse(read_file(std::string(FITBENCH_SOURCE_DIR) + "/tests/data/mxnet/schedules.json"));
}

void expect_matches(LRScheduler& s, const std::string& key) {
  const auto ref = reference();
  const auto counts = ref["counts"].get<std::vector<int64_t>>();
  const auto values = ref[key].get<std::vector<double>>();
  ASSERT_EQ(counts.size(), values.size());
  for (size_t i = 0; i < counts.size(); ++i)
    EXPECT_NEAR(s(counts[i]), values[i], 1e-6 * values[i] + 1e-12) << key << " at update " << counts[i];
}

TEST(LrScheduleReference, MultiFactor) {
  auto s = make_multi_factor_scheduler({938, 1876}, 0.1f, 0.05f);
  expect_matches(*s, "multifactor");
}

TEST(LrScheduleReference, Factor) {
  auto s = make_factor_scheduler(500, 0.5f, 0.1f);
  expect_matches(*s, "factor");
}

TEST(LrScheduleReference, Poly) {
  auto s = make_poly_scheduler(4690, 0.1f, 2.0f);
  expect_matches(*s, "poly");
}

TEST(LrScheduleReference, CosineWithWarmup) {
  auto s = make_cosine_scheduler(4690, 0.1f, 0.001f, Warmup{100, 0.01f, "linear"});
  expect_matches(*s, "cosine_warmup");
}

}  // namespace

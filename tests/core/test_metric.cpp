// Metrics: MXNet's names and arithmetic, padding excluded through num_valid,
// local against global tallies, and fit.py's metric list.
#include "fitbench/metric.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/error.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

Tensor labels(std::vector<float> v) {
  Tensor t(Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.f32()[i] = v[i];
  return t;
}

Tensor probs(std::vector<std::vector<float>> rows) {
  Tensor t(Shape{static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())});
  float* p = t.f32();
  for (const auto& row : rows)
    for (float v : row) *p++ = v;
  return t;
}

std::vector<std::string> names(const NameValues& values) {
  std::vector<std::string> out;
  for (const auto& [name, value] : values) out.push_back(name);
  return out;
}

double value(const EvalMetric& m) { return m.get_global().at(0).second; }

// Argmax per row: 1, 0, 2, 2 against labels 1, 0, 1, 2 -> 3 of 4.
const Tensor kProbs = probs({{0.1f, 0.7f, 0.2f}, {0.5f, 0.3f, 0.2f}, {0.2f, 0.3f, 0.5f}, {0.1f, 0.1f, 0.8f}});
const Tensor kLabels = labels({1, 0, 1, 2});

TEST(Accuracy, CountsArgmaxMatches) {
  auto m = create_metric("accuracy");
  m->update(kLabels, kProbs, 4);
  EXPECT_EQ(m->get_global(), (NameValues{{"accuracy", 0.75}}));
}

TEST(Accuracy, PaddingRowsDoNotCount) {
  auto m = create_metric("acc");
  m->update(kLabels, kProbs, 3);  // the last row is padding
  EXPECT_DOUBLE_EQ(value(*m), 2.0 / 3.0);
}

// A tie goes to the lower class index, as numpy's argmax.
TEST(Accuracy, TiesGoToTheFirstClass) {
  auto m = create_metric("accuracy");
  const Tensor tied = probs({{0.4f, 0.4f, 0.2f}, {0.4f, 0.4f, 0.2f}});
  m->update(labels({0, 1}), tied, 2);
  EXPECT_DOUBLE_EQ(value(*m), 0.5);
}

TEST(Accuracy, NanBeforeAnySample) {
  auto m = create_metric("accuracy");
  EXPECT_TRUE(std::isnan(value(*m)));
  m->update(kLabels, kProbs, 0);
  EXPECT_TRUE(std::isnan(value(*m)));
}

// Top 2 per row: {1,2}, {0,1}, {2,1}, {2, 0 or 1} -> labels 1, 0, 1, 2 all inside.
TEST(TopKAccuracy, CountsLabelsAmongTheKBest) {
  auto m = create_metric("top_k_accuracy", 2);
  m->update(kLabels, kProbs, 4);
  EXPECT_EQ(m->get_global(), (NameValues{{"top_k_accuracy_2", 1.0}}));
  m->update(labels({0}), probs({{0.2f, 0.3f, 0.5f}}), 1);
  EXPECT_DOUBLE_EQ(value(*m), 4.0 / 5.0);
  EXPECT_THROW(create_metric("top_k_accuracy", 1), Error);
}

// mean(-log(p[label] + 1e-12)) over the valid rows.
TEST(CrossEntropy, MeanNegativeLogOfTheLabelProbability) {
  auto ce = create_metric("ce");
  ce->update(kLabels, kProbs, 3);
  EXPECT_EQ(names(ce->get_global()), (std::vector<std::string>{"cross-entropy"}));
  EXPECT_NEAR(value(*ce), -(std::log(0.7) + std::log(0.5) + std::log(0.3)) / 3, 1e-6);

  auto nll = create_metric("nll_loss");
  nll->update(kLabels, kProbs, 3);
  EXPECT_EQ(names(nll->get_global()), (std::vector<std::string>{"nll-loss"}));
  EXPECT_NEAR(value(*nll), value(*ce), 1e-12);
}

TEST(CrossEntropy, ZeroProbabilityIsFinite) {
  auto ce = create_metric("cross-entropy");
  ce->update(labels({0}), probs({{0.0f, 1.0f}}), 1);
  EXPECT_NEAR(value(*ce), -std::log(1e-12), 1e-3);
}

// The local tally restarts at each Speedometer line; the global one at each epoch.
TEST(EvalMetric, LocalAndGlobalTallies) {
  auto m = create_metric("accuracy");
  m->update(kLabels, kProbs, 4);  // 3 of 4
  m->reset_local();
  EXPECT_TRUE(std::isnan(m->get_local().at(0).second));
  m->update(labels({2, 2}), probs({{0.1f, 0.1f, 0.8f}, {0.8f, 0.1f, 0.1f}}), 2);  // 1 of 2
  EXPECT_DOUBLE_EQ(m->get_local().at(0).second, 0.5);
  EXPECT_DOUBLE_EQ(m->get_global().at(0).second, 4.0 / 6.0);
  m->reset();
  EXPECT_TRUE(std::isnan(m->get_local().at(0).second));
  EXPECT_TRUE(std::isnan(m->get_global().at(0).second));
}

TEST(EvalMetric, RejectsBadLabelsAndShapes) {
  auto m = create_metric("accuracy");
  EXPECT_THROW(m->update(labels({0, 3, 1, 2}), kProbs, 4), Error);  // class 3 of 3
  EXPECT_THROW(m->update(labels({0, -1, 1, 2}), kProbs, 4), Error);
  EXPECT_THROW(m->update(labels({0, 1}), kProbs, 2), Error);    // one label per row
  EXPECT_NO_THROW(m->update(labels({0, 1, 1, 7}), kProbs, 3));  // padding is not read
  EXPECT_THROW(create_metric("f1"), Error);
}

TEST(FitMetrics, FollowsFitPy) {
  EXPECT_EQ(names(create_fit_metrics(0, "")->get_global()), (std::vector<std::string>{"accuracy"}));
  EXPECT_EQ(names(create_fit_metrics(5, "ce, nll")->get_global()),
            (std::vector<std::string>{"accuracy", "top_k_accuracy_5", "cross-entropy", "nll-loss"}));
  EXPECT_EQ(names(create_fit_metrics(-1, "nll_loss,")->get_global()),
            (std::vector<std::string>{"accuracy", "nll-loss"}));
  EXPECT_THROW(create_fit_metrics(1, ""), Error);
  EXPECT_THAT(test::error_message([&] { create_fit_metrics(0, "mse"); }), HasSubstr("--loss"));
}

// The composite hands every batch to each part and reports them in order.
TEST(FitMetrics, CompositeConcatenatesItsParts) {
  auto m = create_fit_metrics(2, "ce");
  m->update(kLabels, kProbs, 4);
  const NameValues global = m->get_global();
  ASSERT_EQ(global.size(), 3u);
  EXPECT_DOUBLE_EQ(global[0].second, 0.75);
  EXPECT_DOUBLE_EQ(global[1].second, 1.0);
  EXPECT_NEAR(global[2].second, -(std::log(0.7) + std::log(0.5) + std::log(0.3) + std::log(0.8)) / 4, 1e-6);
  m->reset_local();
  for (const auto& [name, v] : m->get_local()) EXPECT_TRUE(std::isnan(v)) << name;
  EXPECT_EQ(m->get_global(), global);
}

}  // namespace
}  // namespace fitbench

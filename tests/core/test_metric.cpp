// Metrics: MXNet's names and arithmetic, padding excluded through num_valid,
// local against global tallies, and fit.py's metric list; on NaN, infinities
// and ties, the values MXNet 1.9.1 itself gives (tests/data/mxnet/metrics-nonfinite.json).
#include "fitbench/file_util.h"
#include "fitbench/metric.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/error.h"
#include "fitbench/ndarray_file.h"
#include "train/numpy_argpartition.h"

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

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

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

// MXNet's argmax: NaN ranks above every number and the first one wins;
// infinities tie as any equal values do.
TEST(Accuracy, NanRanksAboveEveryNumber) {
  const std::vector<std::pair<std::vector<float>, int64_t>> rows = {
      {{0.1f, kNan, 0.2f}, 1}, {{kNan, 0.9f, 0.0f}, 0},    {{kNan, kNan, kNan}, 0},
      {{0.1f, kInf, kInf}, 1}, {{-kInf, -kInf, -kInf}, 0}, {{kInf, kNan, 0.5f}, 1}};
  for (const auto& [row, predicted] : rows) {
    EXPECT_EQ(predicted_class(row.data(), 3), predicted) << row[0] << " " << row[1] << " " << row[2];
    auto m = create_metric("accuracy");
    m->update(labels({static_cast<float>(predicted)}), probs({row}), 1);
    EXPECT_EQ(value(*m), 1.0);
  }
}

// A diverged network's all-NaN output predicts class 0, whatever the label.
TEST(Accuracy, AllNanPredictionsScoreTheShareOfClassZero) {
  auto m = create_metric("accuracy");
  m->update(labels({0, 1, 2, 1}), probs(std::vector<std::vector<float>>(4, {kNan, kNan, kNan})), 4);
  EXPECT_EQ(value(*m), 0.25);
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

// MXNet's top k are the last k of numpy's argpartition(row, -k), which for
// tied or NaN values is where numpy's introselect leaves them: no rule on the
// class index. All NaN, 3 classes: numpy keeps 0 1 2, so the top 2 are 1 and 2.
TEST(TopKAccuracy, AllNanRowsTakeNumpysPick) {
  auto m = create_metric("top_k_accuracy", 2);
  m->update(labels({0, 1, 2, 1}), probs(std::vector<std::vector<float>>(4, {kNan, kNan, kNan})), 4);
  EXPECT_EQ(value(*m), 0.75);
  // All NaN, 10 classes: numpy leaves 6 4 8 7 0 5 3 1 2 9.
  const std::vector<float> nan10(10, kNan);
  for (const auto& [k, top] :
       std::vector<std::pair<int, std::vector<int64_t>>>{{2, {2, 9}}, {5, {5, 3, 1, 2, 9}}}) {
    std::vector<int64_t> order(10);
    numpy_argpartition(nan10.data(), 10, 10 - k, order.data());
    EXPECT_EQ(std::vector<int64_t>(order.end() - k, order.end()), top) << "k = " << k;
  }
}

// numpy refuses a kth past the row (MXNet with it): k above the class count.
TEST(TopKAccuracy, MoreThanTheClassesIsAnError) {
  auto m = create_metric("top_k_accuracy", 5);
  EXPECT_THAT(test::error_message([&] { m->update(kLabels, kProbs, 4); }), HasSubstr("--top-k"));
  EXPECT_TRUE(std::isnan(value(*m)));
  auto all = create_metric("top_k_accuracy", 3);
  all->update(kLabels, kProbs, 4);
  EXPECT_EQ(value(*all), 1.0);
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

// numpy's float32 -log(p + 1e-12): +inf gives -inf; -inf, NaN and negative
// probabilities NaN; a probability of -1e-12 log(0), so +inf.
TEST(CrossEntropy, NonFiniteProbabilities) {
  const std::vector<std::pair<float, double>> cases = {{kInf, -kInf}, {-kInf, kNan},   {kNan, kNan},
                                                       {-0.5f, kNan}, {-1e-12f, kInf}, {1.0f, 0.0}};
  for (const auto& [p, loss] : cases) {
    auto ce = create_metric("ce");
    ce->update(labels({0}), probs({{p, 0.5f}}), 1);
    if (std::isnan(loss))
      EXPECT_TRUE(std::isnan(value(*ce))) << p;
    else
      EXPECT_EQ(value(*ce), loss) << p;
  }
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

// fitbench-cli --lr 1e6 diverges to all-NaN outputs: fit.py's metrics then
// read as MXNet's do, not as a perfect score.
TEST(FitMetrics, DivergedNetworkIsNotPerfect) {
  auto m = create_fit_metrics(5, "ce");
  m->update(labels({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}),
            probs(std::vector<std::vector<float>>(10, std::vector<float>(10, kNan))), 10);
  const NameValues global = m->get_global();
  ASSERT_EQ(global.size(), 3u);
  EXPECT_EQ(global[0], (std::pair<std::string, double>{"accuracy", 0.1}));
  EXPECT_EQ(global[1], (std::pair<std::string, double>{"top_k_accuracy_5", 0.5}));
  EXPECT_TRUE(std::isnan(global[2].second));
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

// tests/data/mxnet/metrics-nonfinite.json, from make_metric_reference.py.
const nlohmann::json& reference() {
  static const nlohmann::json json = nlohmann::json::parse(
      read_file(std::string(FITBENCH_SOURCE_DIR) + "/tests/data/mxnet/metrics-nonfinite.json"));
  return json;
}

// JSON has no NaN or infinity; the reference file writes them as strings.
double number(const nlohmann::json& j) {
  if (!j.is_string()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf" || s == "-inf") return s == "inf" ? kInf : -kInf;
  ADD_FAILURE() << "not a number: " << s;
  return 0;
}

struct ReferenceSet {
  std::string name;
  int64_t classes;
  std::vector<float> labels;
  std::vector<std::vector<float>> rows;
};

ReferenceSet reference_set(const nlohmann::json& set) {
  ReferenceSet r{set["name"], set["classes"], {}, {}};
  for (const auto& l : set["labels"]) r.labels.push_back(static_cast<float>(number(l)));
  for (const auto& row : set["probs"]) {
    r.rows.emplace_back();
    for (const auto& p : row) r.rows.back().push_back(static_cast<float>(number(p)));
  }
  return r;
}

// A metric by the name it reports (top_k_accuracy_<k>, cross-entropy, ...).
std::unique_ptr<EvalMetric> metric_named(const std::string& name) {
  const std::string top_k = "top_k_accuracy_";
  if (name.starts_with(top_k)) return create_metric("top_k_accuracy", std::stoi(name.substr(top_k.size())));
  return create_metric(name);
}

// Accuracy and top-k exactly; cross-entropy to float32 precision (numpy sums
// each batch in float32, fitbench in double), NaN and infinities alike.
void expect_mxnet_value(const std::string& metric, double actual, const nlohmann::json& expected) {
  const double want = number(expected);
  if (metric == "cross-entropy" && std::isfinite(want))
    EXPECT_NEAR(actual, want, 1e-6 * std::abs(want) + 1e-12);
  else if (std::isnan(want))
    EXPECT_TRUE(std::isnan(actual)) << actual;
  else
    EXPECT_EQ(actual, want);
}

TEST(MetricReference, MadeByMxnet191AndNumpy123) {
  EXPECT_EQ(reference()["mxnet"], "1.9.1");
  EXPECT_TRUE(reference()["numpy"].get<std::string>().starts_with("1.23.")) << reference()["numpy"];
}

// Every row alone, every metric: MXNet scored each row as a batch of one.
TEST(MetricReference, EachRowScoresAsInMxnet) {
  for (const auto& set : reference()["sets"]) {
    const ReferenceSet r = reference_set(set);
    for (const auto& [metric, values] : set["rows"].items()) {
      if (values.is_null()) continue;  // MXNet refused the set: see EachSetAsOneBatch
      ASSERT_EQ(values.size(), r.rows.size()) << r.name << " " << metric;
      for (size_t i = 0; i < r.rows.size(); ++i) {
        SCOPED_TRACE(r.name + " row " + std::to_string(i) + " " + metric);
        auto m = metric_named(metric);
        m->update(labels({r.labels[i]}), probs({r.rows[i]}), 1);
        expect_mxnet_value(metric, value(*m), values[i]);
      }
    }
  }
}

// Each set as one batch; where MXNet raised (k above the class count), an Error.
TEST(MetricReference, EachSetAsOneBatch) {
  for (const auto& set : reference()["sets"]) {
    const ReferenceSet r = reference_set(set);
    const Tensor all_labels = labels(r.labels);
    const Tensor all_probs = probs(r.rows);
    for (const auto& [metric, expected] : set["batch"].items()) {
      SCOPED_TRACE(r.name + " " + metric);
      auto m = metric_named(metric);
      const auto rows = static_cast<int64_t>(r.rows.size());
      if (expected.is_null()) {
        EXPECT_TRUE(set["errors"].contains(metric));
        EXPECT_THROW(m->update(all_labels, all_probs, rows), Error);
        continue;
      }
      m->update(all_labels, all_probs, rows);
      expect_mxnet_value(metric, value(*m), expected);
    }
  }
}

// The classes numpy's argpartition(row, -k) leaves last, in numpy's order.
TEST(MetricReference, TopKClassesAreNumpys) {
  for (const auto& set : reference()["sets"]) {
    const ReferenceSet r = reference_set(set);
    for (const auto& [k_text, tops] : set["top_k"].items()) {
      const int64_t k = std::stoll(k_text);
      for (size_t i = 0; i < r.rows.size(); ++i) {
        std::vector<int64_t> order(static_cast<size_t>(r.classes));
        numpy_argpartition(r.rows[i].data(), r.classes, r.classes - k, order.data());
        EXPECT_EQ(std::vector<int64_t>(order.end() - k, order.end()), tops[i].get<std::vector<int64_t>>())
            << r.name << " row " << i << " k " << k;
      }
    }
  }
}

// Longer rows at other kth, the median-of-medians pivot among them: numpy's
// whole order.
TEST(NumpyArgpartition, WholeOrderAsNumpy) {
  for (const auto& c : reference()["argpartition"]) {
    std::vector<float> row;
    for (const auto& v : c["values"]) row.push_back(static_cast<float>(number(v)));
    for (const auto& [kth, expected] : c["orders"].items()) {
      std::vector<int64_t> order(row.size());
      numpy_argpartition(row.data(), std::ssize(row), std::stoll(kth), order.data());
      EXPECT_EQ(order, expected.get<std::vector<int64_t>>()) << row.size() << " values, kth " << kth;
    }
  }
}

}  // namespace
}  // namespace fitbench

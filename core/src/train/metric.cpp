// Evaluation metrics after python/mxnet/metric.py (MXNet 1.9): each keeps
// sum_metric / num_inst for the whole epoch (global) and since the last
// Speedometer line (local), and reports their ratio, NaN before any sample.
#include "fitbench/metric.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fitbench/error.h"
#include "train/numpy_argpartition.h"

namespace fitbench {

namespace {

struct Tally {
  double sum = 0.0;
  int64_t count = 0;
  double value() const { return count == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / count; }
};

// A metric that scores every valid row of a batch and averages the scores.
class RowMetric : public EvalMetric {
 public:
  explicit RowMetric(std::string name) : name_(std::move(name)) {}

  void update(const Tensor& labels, const Tensor& probs, int64_t num_valid) final {
    if (probs.dtype() != DType::Float32 || probs.shape().ndim() != 2)
      fail("metric ", name_, " needs float32 predictions of shape (batch, classes), got ",
           dtype_name(probs.dtype()), " ", probs.shape().str());
    const int64_t rows = probs.shape()[0];
    const int64_t classes = probs.shape()[1];
    if (labels.dtype() != DType::Float32 || labels.size() != rows)
      fail("metric ", name_, " needs one float32 label per prediction row (", rows, "), got ",
           dtype_name(labels.dtype()), " ", labels.shape().str());
    FB_ASSERT(num_valid >= 0 && num_valid <= rows);
    const float* label = labels.f32();
    const float* prob = probs.f32();
    double sum = 0.0;
    for (int64_t r = 0; r < num_valid; ++r) {
      if (!(label[r] >= 0.0f && label[r] < static_cast<float>(classes)))
        fail("label ", label[r], " is not one of the ", classes, " classes the network predicts");
      // MXNet casts labels with astype('int32'), which truncates.
      sum += score(prob + r * classes, classes, static_cast<int64_t>(label[r]));
    }
    for (Tally* tally : {&global_, &local_}) {
      tally->sum += sum;
      tally->count += num_valid;
    }
  }

  void reset() final { global_ = local_ = Tally{}; }
  void reset_local() final { local_ = Tally{}; }
  NameValues get_global() const final { return {{name_, global_.value()}}; }
  NameValues get_local() const final { return {{name_, local_.value()}}; }

 private:
  virtual double score(const float* prob, int64_t classes, int64_t label) const = 0;

  std::string name_;
  Tally global_;
  Tally local_;
};

// accuracy: MXNet's ndarray.argmax, the first maximum, where NaN ranks above
// every number (so the first NaN wins), against the truncated label.
class Accuracy final : public RowMetric {
 public:
  using RowMetric::RowMetric;

 private:
  double score(const float* prob, int64_t classes, int64_t label) const override {
    return predicted_class(prob, classes) == label ? 1.0 : 0.0;
  }
};

// top_k_accuracy_<k>: 1 when the label is among the last k classes of numpy's
// argpartition(prob, -k), as MXNet counts; with ties or NaN at the boundary
// that is numpy's pick, not a rule on the values.
class TopKAccuracy final : public RowMetric {
 public:
  TopKAccuracy(std::string name, int k) : RowMetric(std::move(name)), k_(k) {}

 private:
  double score(const float* prob, int64_t classes, int64_t label) const override {
    // numpy raises here too (kth out of bounds), and MXNet with it.
    if (k_ > classes)
      fail("top_k_accuracy_", k_, " needs at least ", k_, " classes but the network predicts ", classes,
           "; lower --top-k");
    std::vector<int64_t> order(static_cast<size_t>(classes));
    numpy_argpartition(prob, classes, classes - k_, order.data());
    return std::find(order.end() - k_, order.end(), label) != order.end() ? 1.0 : 0.0;
  }

  int k_;
};

// cross-entropy and nll-loss, which MXNet computes alike: -log(p[label] + 1e-12)
// in float32 (numpy keeps the predictions' type); NaN and -inf give NaN, +inf -inf.
class LogLoss final : public RowMetric {
 public:
  using RowMetric::RowMetric;

 private:
  double score(const float* prob, int64_t, int64_t label) const override {
    return -std::log(prob[label] + 1e-12f);
  }
};

// MXNet's CompositeEvalMetric: the children's names and values, in order.
class CompositeMetric final : public EvalMetric {
 public:
  void add(std::unique_ptr<EvalMetric> metric) { children_.push_back(std::move(metric)); }

  void update(const Tensor& labels, const Tensor& probs, int64_t num_valid) override {
    for (auto& m : children_) m->update(labels, probs, num_valid);
  }
  void reset() override {
    for (auto& m : children_) m->reset();
  }
  void reset_local() override {
    for (auto& m : children_) m->reset_local();
  }
  NameValues get_global() const override { return collect(&EvalMetric::get_global); }
  NameValues get_local() const override { return collect(&EvalMetric::get_local); }

 private:
  NameValues collect(NameValues (EvalMetric::*get)() const) const {
    NameValues all;
    for (const auto& m : children_) {
      NameValues part = (m.get()->*get)();
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }

  std::vector<std::unique_ptr<EvalMetric>> children_;
};

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

int64_t predicted_class(const float* probs, int64_t classes) {
  int64_t best = 0;
  for (int64_t c = 1; c < classes && !std::isnan(probs[best]); ++c)
    if (std::isnan(probs[c]) || probs[c] > probs[best]) best = c;
  return best;
}

std::unique_ptr<EvalMetric> create_metric(const std::string& name, int top_k) {
  if (name == "accuracy" || name == "acc") return std::make_unique<Accuracy>("accuracy");
  if (name == "top_k_accuracy" || name == "top_k_acc") {
    if (top_k <= 1) fail("top_k_accuracy needs k above 1 (got ", top_k, "); k = 1 is plain accuracy");
    return std::make_unique<TopKAccuracy>("top_k_accuracy_" + std::to_string(top_k), top_k);
  }
  if (name == "ce" || name == "cross-entropy") return std::make_unique<LogLoss>("cross-entropy");
  if (name == "nll_loss" || name == "nll-loss") return std::make_unique<LogLoss>("nll-loss");
  fail("unknown metric '", name, "'; choose accuracy, top_k_accuracy, ce or nll_loss");
}

bool is_metric_name(const std::string& name) {
  try {
    create_metric(name, 2);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::unique_ptr<EvalMetric> create_fit_metrics(int top_k, const std::string& loss) {
  auto metrics = std::make_unique<CompositeMetric>();
  metrics->add(create_metric("accuracy"));
  if (top_k > 0) metrics->add(create_metric("top_k_accuracy", top_k));
  size_t begin = 0;
  while (begin <= loss.size()) {
    const size_t end = std::min(loss.find(',', begin), loss.size());
    std::string type = trim(loss.substr(begin, end - begin));
    begin = end + 1;
    if (type.empty()) continue;
    if (type == "nll") type = "nll_loss";
    // MXNet only warns here; a run that silently lacks the asked-for loss helps nobody.
    if (type != "ce" && type != "nll_loss")
      fail("--loss '", type, "' is not a supported loss metric; use ce, nll or nll_loss (comma separated)");
    metrics->add(create_metric(type));
  }
  return metrics;
}

}  // namespace fitbench

// Evaluation metrics with MXNet's names and arithmetic (python/mxnet/metric.py).
// Each keeps a global and a local (since the last Speedometer line) tally;
// a value with no samples behind it is NaN, as MXNet reports.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/tensor.h"

namespace fitbench {

using NameValues = std::vector<std::pair<std::string, double>>;

class EvalMetric {
 public:
  virtual ~EvalMetric() = default;
  // labels: (batch,) class indices as float; probs: (batch, classes), float32.
  // Only the first `num_valid` rows count (padding is excluded). A label
  // outside [0, classes) is an Error.
  virtual void update(const Tensor& labels, const Tensor& probs, int64_t num_valid) = 0;
  virtual void reset() = 0;        // global and local
  virtual void reset_local() = 0;  // local only
  virtual NameValues get_global() const = 0;
  virtual NameValues get_local() const = 0;
};

// The class MXNet's accuracy predicts for one row of probabilities: the first
// maximum, NaN ranking above every number (ndarray.argmax).
int64_t predicted_class(const float* probs, int64_t classes);

// "accuracy" (or "acc"), "top_k_accuracy" (or "top_k_acc"; k = top_k > 1,
// reported as top_k_accuracy_<k>; its update is an Error when k exceeds the
// classes, as in MXNet), "ce" / "cross-entropy" (reported as cross-entropy),
// "nll_loss" / "nll-loss" (reported as nll-loss). Error otherwise.
std::unique_ptr<EvalMetric> create_metric(const std::string& name, int top_k = 1);
// A name create_metric() knows.
bool is_metric_name(const std::string& name);
// fit.py's list, as one metric whose get_* concatenates its parts: accuracy;
// top_k_accuracy_<k> when top_k > 0 (Error for 1); cross-entropy / nll-loss
// when `loss` (comma separated) names ce / nll or nll_loss. Any other loss name
// is an Error naming --loss (MXNet only warns and skips it).
std::unique_ptr<EvalMetric> create_fit_metrics(int top_k, const std::string& loss);

}  // namespace fitbench

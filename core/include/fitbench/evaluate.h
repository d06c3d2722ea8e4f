// Scoring a trained model: MXNet's example/image-classification/score.py
// (metrics over a validation set, samples per second), plus what a person
// looks at next: per-class accuracy, the confusion matrix and which samples
// landed in each of its cells. Also the single-input prediction that
// fitbench-predict runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/checkpoint.h"
#include "fitbench/data_iter.h"
#include "fitbench/executor.h"
#include "fitbench/metric.h"

namespace fitbench {

// A model bound for inference on batches of one shape. Its inputs are "data"
// and any "*label" argument (fed zeros); every other argument must come from
// the checkpoint (Error listing the missing and unexpected names otherwise).
class Predictor {
 public:
  // `data_shape` includes the batch dimension: (N, C, H, W). `source` names
  // the parameters (their file) in mismatch errors.
  // It runs on `device`; the probabilities always come back on the CPU.
  Predictor(const Checkpoint& model, const Shape& data_shape, const std::string& source = "the parameters",
            Device device = Device::cpu());
  // Class probabilities (N, classes) for `data` of the bound shape: the
  // output of a loss head (SoftmaxOutput) as is, a softmax of the raw scores
  // otherwise (Gluon exports end in the last layer). The tensor is reused by
  // the next call.
  const Tensor& probabilities(const Tensor& data);
  int num_classes() const { return num_classes_; }
  const Shape& data_shape() const { return data_shape_; }

 private:
  std::unique_ptr<Executor> exec_;
  Shape data_shape_;
  int num_classes_ = 0;
  bool softmax_head_ = false;
  Tensor probs_;
  Tensor host_output_;  // the output copied from a GPU
};

// The `k` most probable classes of row `row` of `probs`, best first
// (ties: the lower class first).
std::vector<std::pair<int, float>> top_classes(const Tensor& probs, int64_t row, int k);

// Class names, one a line, as MXNet's synset.txt ("n01440764 tench, Tinca
// tinca" names class 0). Throws Error naming a missing or empty file.
std::vector<std::string> load_synset(const std::string& path);

struct EvaluateOptions {
  // Metric names as create_metric() takes them: accuracy / acc,
  // top_k_accuracy (with `top_k`), ce / cross-entropy, nll_loss.
  std::vector<std::string> metrics{"accuracy"};
  int top_k = 5;
  int num_classes = 0;       // > 0: must equal the model's output width
  int64_t max_examples = 0;  // > 0: stop after this many samples
  // Called after every batch with (batches done, batches in the epoch).
  std::function<void(int64_t, int64_t)> progress;
  const std::atomic<bool>* stop = nullptr;  // checked between batches
  std::string params_source = "the parameters";  // names them (their file) in mismatch errors
  Device device = Device::cpu();                 // where the network runs
  // > 0: keep the data rows (the network's input, as the iterator gave it)
  // of the first this-many misclassified samples of every cell, so a viewer
  // can show them without reading the data source again. The copies stop
  // once they take `keep_images_max_bytes` in all.
  int keep_images_per_cell = 0;
  int64_t keep_images_max_bytes = int64_t{256} << 20;
};

struct EvaluateResult {
  NameValues metrics;  // in the order asked, with MXNet's names
  int64_t num_samples = 0;
  double seconds = 0;
  double samples_per_sec = 0;
  int num_classes = 0;
  std::vector<int64_t> class_counts;        // samples per true class
  std::vector<double> per_class_accuracy;   // NaN for a class with no samples
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted] counts
  // [true][predicted]: indices (in the order the data yields them) of the
  // samples of that cell; the diagonal stays empty.
  std::vector<std::vector<std::vector<int64_t>>> misclassified;
  // [true][predicted][k]: the input of sample misclassified[t][p][k], a
  // (C, H, W) float32 tensor, for the first k the keep_images_* options
  // allowed (empty when they are off).
  std::vector<std::vector<std::vector<Tensor>>> misclassified_images;
  bool stopped = false;  // the stop flag ended the pass early
};

// One pass over `data` from its start (reset() first). Padding rows are not
// counted. Throws Error for an unknown metric, a label outside the model's
// classes, or a model that does not fit the data.
EvaluateResult evaluate(const Checkpoint& model, DataIter& data, const EvaluateOptions& options = {});

}  // namespace fitbench

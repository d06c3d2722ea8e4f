// Inference over a checkpoint: Predictor (one bound network) and evaluate()
// (score.py's loop with a confusion matrix kept beside the metrics).
#include "fitbench/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <sstream>

#include "fitbench/error.h"
#include "fitbench/file_util.h"

namespace fitbench {

namespace {

bool is_label_name(const std::string& name) {
  return name == "label" || (name.size() > 6 && name.compare(name.size() - 6, 6, "_label") == 0);
}

// Row-wise softmax with the maximum subtracted, so large scores do not overflow.
void softmax_rows(const Tensor& scores, const Tensor& probs) {
  const int64_t rows = scores.shape()[0], cols = scores.shape()[1];
  const float* s = scores.f32();
  float* p = probs.f32();
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = s + r * cols;
    float* out = p + r * cols;
    const float top = *std::max_element(in, in + cols);
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += out[c] = std::exp(in[c] - top);
    for (int64_t c = 0; c < cols; ++c) out[c] = static_cast<float>(out[c] / sum);
  }
}

}  // namespace

Predictor::Predictor(const Checkpoint& model, const Shape& data_shape, const std::string& source, Device device)
    : data_shape_(data_shape) {
  const auto arguments = model.symbol.list_arguments();
  if (std::find(arguments.begin(), arguments.end(), "data") == arguments.end())
    fail("the network has no input named 'data' (its arguments: ", [&] {
      std::string list;
      for (const auto& a : arguments) list += (list.empty() ? "" : ", ") + a;
      return list;
    }(), ")");
  std::map<std::string, Shape> inputs{{"data", data_shape}};
  for (const auto& a : arguments)
    if (is_label_name(a) && !model.arg_params.count(a)) inputs[a] = Shape{data_shape[0]};
  exec_ = std::make_unique<Executor>(model.symbol, inputs, 0, device);
  set_params(*exec_, model.arg_params, model.aux_params, source, false);
  if (exec_->num_outputs() != 1) fail("the network has ", exec_->num_outputs(), " outputs; scoring needs one");
  const Shape& out = exec_->shapes().outputs[0];
  if (out.ndim() != 2 || out[0] != data_shape[0])
    fail("the network's output has shape ", out.str(), "; scoring needs (batch, classes)");
  num_classes_ = static_cast<int>(out[1]);
  softmax_head_ = has_loss_head(model.symbol);
  if (!softmax_head_) probs_ = Tensor(out);
  if (!device.is_cpu()) host_output_ = Tensor(out);
}

const Tensor& Predictor::probabilities(const Tensor& data) {
  if (data.shape() != data_shape_)
    fail("input of shape ", data.shape().str(), " given to a network bound for ", data_shape_.str());
  exec_->input("data").copy_from(data);
  exec_->forward(false);
  const Tensor* out = &exec_->output(0);
  if (!out->device().is_cpu()) {
    host_output_.copy_from(*out);
    out = &host_output_;
  }
  if (softmax_head_) return *out;
  softmax_rows(*out, probs_);
  return probs_;
}

std::vector<std::pair<int, float>> top_classes(const Tensor& probs, int64_t row, int k) {
  const int64_t classes = probs.shape()[1];
  const float* p = probs.f32() + row * classes;
  std::vector<int> order(static_cast<size_t>(classes));
  for (int c = 0; c < classes; ++c) order[static_cast<size_t>(c)] = c;
  const auto n = static_cast<size_t>(std::clamp<int64_t>(k, 0, classes));
  // NaN ranks above every number, as in the accuracy metric's argmax (and a
  // comparison that NaN breaks would not be the strict weak order sort needs).
  const auto above = [p](int a, int b) {
    const bool nan_a = std::isnan(p[a]), nan_b = std::isnan(p[b]);
    if (nan_a || nan_b) return nan_a != nan_b ? nan_a : a < b;
    return p[a] > p[b] || (p[a] == p[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), above);
  std::vector<std::pair<int, float>> top;
  for (size_t i = 0; i < n; ++i) top.emplace_back(order[i], p[order[i]]);
  return top;
}

std::vector<std::string> load_synset(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    names.push_back(line);
  }
  while (!names.empty() && names.back().empty()) names.pop_back();
  if (names.empty()) fail(path, ": the class-name file is empty; expected one name a line");
  return names;
}

EvaluateResult evaluate(const Checkpoint& model, DataIter& data, const EvaluateOptions& options) {
  if (options.metrics.empty()) fail("no metric to compute; name at least one (accuracy, top_k_accuracy, ce)");
  std::vector<std::unique_ptr<EvalMetric>> metrics;
  for (const auto& name : options.metrics) metrics.push_back(create_metric(name, options.top_k));
  Predictor predictor(model, data.data_shape(), options.params_source, options.device);
  const int classes = predictor.num_classes();
  if (options.num_classes > 0 && options.num_classes != classes)
    fail("--num-classes is ", options.num_classes, " but the network predicts ", classes, " classes");

  EvaluateResult r;
  r.num_classes = classes;
  const auto n = static_cast<size_t>(classes);
  r.class_counts.assign(n, 0);
  r.confusion.assign(n, std::vector<int64_t>(n, 0));
  r.misclassified.assign(n, std::vector<std::vector<int64_t>>(n));
  r.misclassified_images.assign(n, std::vector<std::vector<Tensor>>(n));
  const Shape& batch_shape = data.data_shape();
  const Shape sample_shape(std::vector<int64_t>(batch_shape.dims().begin() + 1, batch_shape.dims().end()));
  const int64_t sample_bytes = sample_shape.size() * int64_t{sizeof(float)};
  int64_t kept_bytes = 0;

  const int64_t batch_size = data.data_shape()[0];
  const int64_t total_batches = (data.num_examples() + batch_size - 1) / batch_size;
  const auto tic = std::chrono::steady_clock::now();
  data.reset();
  DataBatch batch;
  int64_t batches = 0;
  while (data.next(batch)) {
    if (options.stop && options.stop->load()) {
      r.stopped = true;
      break;
    }
    int64_t valid = batch_size - batch.pad;
    if (options.max_examples > 0) valid = std::min(valid, options.max_examples - r.num_samples);
    const Tensor& probs = predictor.probabilities(batch.data);
    for (auto& m : metrics) m->update(batch.label, probs, valid);  // checks the labels
    const float* label = batch.label.f32();
    for (int64_t i = 0; i < valid; ++i) {
      const auto t = static_cast<size_t>(label[i]);
      // The accuracy metric's prediction, so the diagonal agrees with it (NaN rows included).
      const auto p = static_cast<size_t>(predicted_class(probs.f32() + i * classes, classes));
      ++r.class_counts[t];
      ++r.confusion[t][p];
      if (t == p) continue;
      r.misclassified[t][p].push_back(r.num_samples + i);
      auto& kept = r.misclassified_images[t][p];
      if (std::ssize(kept) < options.keep_images_per_cell &&
          kept_bytes + sample_bytes <= options.keep_images_max_bytes) {
        Tensor image(sample_shape);
        std::copy_n(batch.data.f32() + i * sample_shape.size(), sample_shape.size(), image.f32());
        kept.push_back(std::move(image));
        kept_bytes += sample_bytes;
      }
    }
    r.num_samples += valid;
    ++batches;
    if (options.progress) options.progress(batches, total_batches);
    if (options.max_examples > 0 && r.num_samples >= options.max_examples) break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tic).count();
  r.samples_per_sec = r.seconds > 0 ? double(r.num_samples) / r.seconds : 0.0;
  for (const auto& m : metrics)
    for (const auto& value : m->get_global()) r.metrics.push_back(value);
  for (size_t c = 0; c < n; ++c)
    r.per_class_accuracy.push_back(r.class_counts[c] ? double(r.confusion[c][c]) / double(r.class_counts[c])
                                                     : std::numeric_limits<double>::quiet_NaN());
  return r;
}

}  // namespace fitbench

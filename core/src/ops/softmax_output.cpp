// SoftmaxOutput (alias Softmax): a loss head. Forward is a softmax; backward
// ignores the incoming gradient (unless out_grad) and writes the cross-entropy
// gradient p - onehot(label), times grad_scale, divided by 1 (normalization
// null), the batch size (batch) or the number of non-ignored labels (valid).
//
// Class axis and label shape, as MXNet infers them:
//   default          data (N, C) -> label (N,); data (N, d1, ...) is treated as (N, d1 * ...)
//   preserve_shape   softmax over the last axis, label = data shape without it
//   multi_output     softmax over axis 1 of (N, C, d2, ...), label (N, d2 * ...)
//                    (also accepted: (N, d2, ...) and (N, 1, d2, ...))
#include <algorithm>

#include "fitbench/attr_reader.h"
#include "ops/kernels/softmax_output.h"
#include "ops/ops.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

enum class Normalization { Null, Batch, Valid };

class SoftmaxOutput final : public Operator {
 public:
  explicit SoftmaxOutput(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    grad_scale_ = r.get_float("grad_scale", 1.0f);
    ignore_label_ = static_cast<int>(r.get_float("ignore_label", -1.0f));
    multi_output_ = r.get_bool("multi_output", false);
    use_ignore_ = r.get_bool("use_ignore", false);
    preserve_shape_ = r.get_bool("preserve_shape", false);
    const std::string norm = r.get_choice("normalization", "null", {"null", "batch", "valid"});
    normalization_ = norm == "batch"   ? Normalization::Batch
                     : norm == "valid" ? Normalization::Valid
                                       : Normalization::Null;
    out_grad_ = r.get_bool("out_grad", false);
    smooth_alpha_ = r.get_float("smooth_alpha", 0.0f);
    if (smooth_alpha_ < 0.0f || smooth_alpha_ >= 1.0f)
      fail("SoftmaxOutput attribute 'smooth_alpha' must be in [0, 1), got ", smooth_alpha_);
    r.reject_unknown();
  }

  const char* type() const override { return "SoftmaxOutput"; }
  std::vector<std::string> arguments() const override { return {"data", "label"}; }
  bool is_loss() const override { return true; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    const Shape& data = in[0];
    if (!data.known()) return;
    if (data.ndim() < 2)
      fail("SoftmaxOutput needs data with a batch and a class axis, got data shape ", data.str());
    const auto accepted = label_shapes(data);
    Shape& label = in[1];
    if (label.known() && std::find(accepted.begin(), accepted.end(), label) == accepted.end())
      fail("SoftmaxOutput label shape ", label.str(), " does not match data shape ", data.str(),
           " (expected ", accepted[0].str(), ")");
    if (!label.known()) label = accepted[0];
    if (out[0].known() && out[0] != data)
      fail("SoftmaxOutput output shape ", out[0].str(), " differs from data shape ", data.str());
    out[0] = data;
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], softmax_forward(dims(in[0].shape()), in[0].f32(), out[0].f32()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[1] == GradReq::Write) in_grad[1].fill(0.0f);  // labels are not differentiable
    if (req[0] == GradReq::Null) return;
    const auto d = dims(in[0].shape());
    // Labels are checked and counted on the host: a copy when they live on a GPU
    // (a shared view on the CPU). The kernel reads the original.
    const Tensor label_host = in[1].to(Device::cpu());
    const float* label = label_host.f32();
    int64_t valid = 0;
    for (int64_t j = 0; j < in[1].size(); ++j) {
      const int k = static_cast<int>(label[j]);
      const bool ignored = k == ignore_label_;
      valid += !ignored;  // MXNet's "valid" count skips ignore_label even without use_ignore
      if (ignored && use_ignore_) continue;
      if (k < 0 || k >= d.classes)
        fail("SoftmaxOutput label ", label[j], " at position ", j, " is not a class index for ", d.classes,
             " classes");
    }
    // An absent head gradient counts as ones, as in MXNet.
    const float* head = out_grad_ && out_grad[0].defined() ? out_grad[0].f32() : nullptr;
    FB_DISPATCH(in[0], softmax_output_backward(d, out[0].f32(), in[1].f32(), smooth_alpha_, use_ignore_,
                                               ignore_label_, grad_scale_ / divisor(d.outer, valid), head,
                                               in_grad[0].f32()));
  }

 private:
  float divisor(int64_t batch, int64_t valid) const {
    switch (normalization_) {
      case Normalization::Batch:
        return static_cast<float>(batch);
      case Normalization::Valid:
        return static_cast<float>(std::max<int64_t>(valid, 1));
      case Normalization::Null:
        break;
    }
    return 1.0f;
  }

  std::vector<Shape> label_shapes(const Shape& data) const {
    const auto& d = data.dims();
    if (multi_output_) {
      std::vector<int64_t> nested = d;  // (N, d2, ...)
      nested.erase(nested.begin() + 1);
      std::vector<int64_t> with_one = d;  // (N, 1, d2, ...)
      with_one[1] = 1;
      return {Shape{d[0], data.size() / (d[0] * d[1])}, Shape(nested), Shape(with_one)};
    }
    if (preserve_shape_) return {Shape(std::vector<int64_t>(d.begin(), d.end() - 1))};
    return {Shape{d[0]}};
  }

  SoftmaxDims dims(const Shape& data) const {
    if (multi_output_) return {data[0], data[1], data.size() / (data[0] * data[1])};
    if (preserve_shape_) return {data.size() / data[data.ndim() - 1], data[data.ndim() - 1], 1};
    return {data[0], data.size() / data[0], 1};
  }

  float grad_scale_;
  int ignore_label_;
  bool multi_output_;
  bool use_ignore_;
  bool preserve_shape_;
  Normalization normalization_;
  bool out_grad_;
  float smooth_alpha_;
};

}  // namespace

std::unique_ptr<Operator> make_softmax_output(const Attrs& attrs) {
  return std::make_unique<SoftmaxOutput>(attrs);
}

}  // namespace fitbench::ops

// BatchNorm: inputs data, gamma, beta; aux moving_mean, moving_var; outputs
// output, mean, invstd (the last two visible only with output_mean_var, and
// kept for backward). The statistics are taken over every axis but `axis`.
//
// Two MXNet behaviours kept on purpose:
// - fix_gamma writes 1 into gamma on every forward, so checkpoints hold 1 even
//   though the optimizer's weight decay touches gamma between batches.
// - the moving statistics move on a training forward, as in MXNet's cuDNN and
//   MKL-DNN paths (its plain CPU kernel moves them in backward, which gives the
//   same values whenever a training forward is followed by its backward).
#include "fitbench/attr_reader.h"
#include "ops/kernels/batch_norm.h"
#include "ops/ops.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class BatchNorm final : public Operator {
 public:
  explicit BatchNorm(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    eps_ = r.get_float("eps", 1e-3f);
    momentum_ = r.get_float("momentum", 0.9f);
    fix_gamma_ = r.get_bool("fix_gamma", true);
    use_global_stats_ = r.get_bool("use_global_stats", false);
    output_mean_var_ = r.get_bool("output_mean_var", false);
    axis_ = r.get_int("axis", 1);
    if (eps_ <= 0.0f) fail("BatchNorm attribute 'eps' must be positive, got ", eps_);
    // cudnn_off picks a GPU implementation; the calibration ranges are for quantized inference.
    r.reject_unknown({"cudnn_off", "min_calib_range", "max_calib_range"});
  }

  const char* type() const override { return "BatchNorm"; }
  std::vector<std::string> arguments() const override { return {"data", "gamma", "beta"}; }
  std::vector<std::string> aux_states() const override { return {"moving_mean", "moving_var"}; }
  int num_outputs() const override { return 3; }
  int num_visible_outputs() const override { return output_mean_var_ ? 3 : 1; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>& aux) const override {
    const Shape& data = in[0];
    if (!data.known()) return;
    const Shape channel{data[channel_axis(data)]};
    auto check = [&](Shape& s, const char* name) {
      if (s.known() && s != channel)
        fail("BatchNorm ", name, " has shape ", s.str(), " but data shape ", data.str(), " needs ",
             channel.str());
      s = channel;
    };
    check(in[1], "gamma");
    check(in[2], "beta");
    check(aux[0], "moving_mean");
    check(aux[1], "moving_var");
    if (out[0].known() && out[0] != data)
      fail("BatchNorm output shape ", out[0].str(), " differs from data shape ", data.str());
    out[0] = data;
    out[1] = out[2] = channel;
  }

  void forward(const OpContext& ctx, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>& aux) override {
    const auto d = dims(in[0].shape());
    if (fix_gamma_) in[1].fill(1.0f);
    const float* gamma = fix_gamma_ ? nullptr : in[1].f32();
    batch_stats_ = ctx.is_train && !use_global_stats_;
    if (batch_stats_)
      FB_DISPATCH(in[0],
                  batch_norm_forward_train(d, in[0].f32(), gamma, in[2].f32(), eps_, momentum_, out[0].f32(),
                                           out[1].f32(), out[2].f32(), aux[0].f32(), aux[1].f32()));
    else
      FB_DISPATCH(in[0], batch_norm_forward_global(d, in[0].f32(), gamma, in[2].f32(), eps_, aux[0].f32(),
                                                   aux[1].f32(), out[0].f32(), out[1].f32(), out[2].f32()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    auto target = [&](size_t i) { return req[i] == GradReq::Write ? in_grad[i].f32() : nullptr; };
    // With fix_gamma the output does not depend on gamma: its gradient is 0.
    float* dgamma = fix_gamma_ ? nullptr : target(1);
    if (fix_gamma_ && req[1] == GradReq::Write) in_grad[1].fill(0.0f);
    FB_DISPATCH(in[0], batch_norm_backward(dims(in[0].shape()), in[0].f32(), out_grad[0].f32(),
                                           fix_gamma_ ? nullptr : in[1].f32(), out[1].f32(), out[2].f32(),
                                           batch_stats_, target(0), dgamma, target(2)));
  }

 private:
  int channel_axis(const Shape& data) const {
    const int axis = axis_ < 0 ? axis_ + data.ndim() : axis_;
    if (axis < 0 || axis >= data.ndim())
      fail("BatchNorm axis ", axis_, " is out of range for data shape ", data.str());
    return axis;
  }

  BatchNormDims dims(const Shape& data) const {
    const int axis = channel_axis(data);
    BatchNormDims d{1, data[axis], 1};
    for (int i = 0; i < axis; ++i) d.outer *= data[i];
    for (int i = axis + 1; i < data.ndim(); ++i) d.inner *= data[i];
    return d;
  }

  float eps_;
  float momentum_;
  bool fix_gamma_;
  bool use_global_stats_;
  bool output_mean_var_;
  int axis_;
  bool batch_stats_ = false;  // whether the last forward normalized with the batch's own statistics
};

}  // namespace

std::unique_ptr<Operator> make_batch_norm(const Attrs& attrs) { return std::make_unique<BatchNorm>(attrs); }

}  // namespace fitbench::ops

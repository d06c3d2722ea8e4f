// clip: y = min(max(x, a_min), a_max) elementwise; both bounds are required,
// as in MXNet. MobileNetV2 writes relu6 as clip(x, 0, 6).
#include "fitbench/attr_reader.h"
#include "ops/kernels/clip.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Clip final : public Operator {
 public:
  explicit Clip(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    if (!r.has("a_min") || !r.has("a_max"))
      fail("clip needs the attributes 'a_min' and 'a_max' (e.g. a_min 0, a_max 6 for relu6)");
    a_min_ = r.get_float("a_min", 0.0f);
    a_max_ = r.get_float("a_max", 0.0f);
    if (a_min_ > a_max_) fail("clip attribute 'a_min' (", a_min_, ") is larger than 'a_max' (", a_max_, ")");
    r.reject_unknown();
  }

  const char* type() const override { return "clip"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], clip_forward(a_min_, a_max_, in[0].f32(), out[0].f32(), in[0].size()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad, const std::vector<GradReq>& req,
                const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    FB_DISPATCH(
        in[0], clip_backward(a_min_, a_max_, out_grad[0].f32(), in[0].f32(), in_grad[0].f32(), in[0].size()));
  }

 private:
  float a_min_;
  float a_max_;
};

}  // namespace

std::unique_ptr<Operator> make_clip(const Attrs& attrs) { return std::make_unique<Clip>(attrs); }

}  // namespace fitbench::ops

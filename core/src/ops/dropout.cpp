// Dropout: p (0.5) is the probability of dropping a value; mode "training"
// drops only when training, "always" at inference too. Otherwise it is the
// identity. The mask lives in the operator between forward and backward.
#include "fitbench/attr_reader.h"
#include "ops/kernels/dropout.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Dropout final : public Operator {
 public:
  explicit Dropout(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    p_ = r.get_float("p", 0.5f);
    always_ = r.get_choice("mode", "training", {"training", "always"}) == "always";
    if (!r.get_tuple("axes", {}).empty())
      fail("Dropout attribute 'axes' (shared masks) is not supported yet, got '", attrs.at("axes"), "'");
    if (p_ < 0.0f || p_ > 1.0f) fail("Dropout attribute 'p' must be in [0, 1], got ", p_);
    r.reject_unknown({"cudnn_off"});  // picks a GPU implementation
  }

  const char* type() const override { return "Dropout"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }

  int64_t state_floats(const std::vector<Shape>& in) const override { return p_ > 0.0f ? in[0].size() : 0; }

  void forward(const OpContext& ctx, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    const int64_t n = in[0].size();
    applied_ = (ctx.is_train || always_) && p_ > 0.0f;
    if (!applied_) {
      out[0].copy_from(in[0]);
      return;
    }
    FB_ASSERT(ctx.rng);
    // The mask lives on the data's device; it is replaced only when the size or the device changes.
    if (!mask_.defined() || mask_.size() != n || mask_.device() != in[0].device())
      mask_ = Tensor(Shape{n}, DType::Float32, in[0].device());
    FB_DISPATCH(in[0], dropout_draw_mask(*ctx.rng, p_, mask_.f32(), n));
    FB_DISPATCH(in[0], dropout_apply(in[0].f32(), mask_.f32(), out[0].f32(), n));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>&,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    if (!applied_) {
      in_grad[0].copy_from(out_grad[0]);
      return;
    }
    FB_ASSERT(mask_.size() == out_grad[0].size() && mask_.device() == out_grad[0].device());
    FB_DISPATCH(out_grad[0],
                dropout_apply(out_grad[0].f32(), mask_.f32(), in_grad[0].f32(), out_grad[0].size()));
  }

 private:
  float p_;
  bool always_;
  bool applied_ = false;  // whether the last forward drew a mask
  Tensor mask_;           // (n,) on the data's device
};

}  // namespace

std::unique_ptr<Operator> make_dropout(const Attrs& attrs) { return std::make_unique<Dropout>(attrs); }

}  // namespace fitbench::ops

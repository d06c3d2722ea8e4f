// LRN: local response normalization across channels of NCHW data, with
// MXNet's attributes alpha (1e-4), beta (0.75), knorm (2) and nsize (the odd
// window width, required). Outputs "output" and a hidden "tmp_norm" that
// backward reuses, as in MXNet.
#include "fitbench/attr_reader.h"
#include "ops/kernels/lrn.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Lrn final : public Operator {
 public:
  explicit Lrn(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    g_.alpha = r.get_float("alpha", 1e-4f);
    g_.beta = r.get_float("beta", 0.75f);
    g_.knorm = r.get_float("knorm", 2.0f);
    g_.nsize = r.require_int("nsize");
    // MXNet rejects even windows too: the window must be centred on its channel.
    if (g_.nsize < 1 || g_.nsize % 2 == 0) fail("LRN attribute 'nsize' must be a positive odd number, got ", g_.nsize);
    r.reject_unknown();
  }

  const char* type() const override { return "LRN"; }
  int num_outputs() const override { return 2; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
    if (in[0].known() && in[0].ndim() != 4)
      fail("LRN needs 4-d data (batch, channel, height, width), got data shape ", in[0].str());
    out[1] = out[0];
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], lrn_forward(geometry(in[0].shape()), in[0].f32(), out[0].f32(), out[1].f32()));
  }

  void backward(const OpContext& ctx, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    FB_ASSERT(ctx.workspace);
    // The workspace lives on the Executor's device, so scratch is device memory on a GPU.
    float* scratch = ctx.workspace->floats(workspace_floats({in[0].shape()}, in[0].device()));
    FB_DISPATCH(in[0], lrn_backward(geometry(in[0].shape()), out_grad[0].f32(), in[0].f32(), out[1].f32(),
                                    in_grad[0].f32(), scratch));
  }

  size_t workspace_floats(const std::vector<Shape>& in, Device) const override {
    return static_cast<size_t>(in[0].size());
  }

 private:
  LrnGeometry geometry(const Shape& s) const {
    LrnGeometry g = g_;
    g.batch = s[0];
    g.channels = s[1];
    g.spatial = s[2] * s[3];
    return g;
  }

  LrnGeometry g_;
};

}  // namespace

std::unique_ptr<Operator> make_lrn(const Attrs& attrs) { return std::make_unique<Lrn>(attrs); }

}  // namespace fitbench::ops

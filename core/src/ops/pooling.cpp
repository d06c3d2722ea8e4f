// Pooling: MXNet's 2-D max / avg / sum pooling over NCHW data (kernels in cpu/pooling.cpp, cuda/pooling.cu).
#include "fitbench/attr_reader.h"
#include "ops/kernels/pooling.h"
#include "ops/ops.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Pooling final : public Operator {
 public:
  explicit Pooling(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    global_ = r.get_bool("global_pool", false);
    const std::vector<int> kernel = r.get_tuple("kernel", {});
    if (!global_ && kernel.empty()) fail("Pooling needs the attribute 'kernel' unless global_pool is True");
    if (!kernel.empty() && kernel.size() != 2)
      fail("Pooling supports 2-D kernels only; kernel '", attrs.at("kernel"), "' is ", kernel.size(),
           "-D (1-D and 3-D pooling are not implemented)");
    const std::vector<int> stride = r.get_tuple("stride", {1, 1}, 2);
    const std::vector<int> pad = r.get_tuple("pad", {0, 0}, 2);
    const std::string pool_type = r.get_choice("pool_type", "max", {"max", "avg", "sum"});
    full_ = r.get_choice("pooling_convention", "valid", {"valid", "full"}) == "full";
    geometry_.count_include_pad = r.get_bool("count_include_pad", true);
    const std::string layout = r.get_string("layout", "NCHW");
    if (layout != "NCHW") fail("Pooling supports layout NCHW only, got '", layout, "'");
    r.reject_unknown({"cudnn_off"});

    geometry_.type = pool_type == "max" ? PoolType::Max : pool_type == "avg" ? PoolType::Avg : PoolType::Sum;
    if (global_) return;  // kernel, stride and pad come from the data
    for (int i = 0; i < 2; ++i) {
      if (kernel[i] < 1 || stride[i] < 1 || pad[i] < 0)
        fail("Pooling needs kernel and stride of at least 1 and pad of at least 0; got kernel ",
             Shape{kernel[0], kernel[1]}.str(), ", stride ", Shape{stride[0], stride[1]}.str(), ", pad ",
             Shape{pad[0], pad[1]}.str());
    }
    geometry_.kernel_h = kernel[0];
    geometry_.kernel_w = kernel[1];
    geometry_.stride_h = stride[0];
    geometry_.stride_w = stride[1];
    geometry_.pad_h = pad[0];
    geometry_.pad_w = pad[1];
  }

  const char* type() const override { return "Pooling"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    FB_ASSERT(in.size() == 1 && out.size() == 1);
    const Shape& data = in[0];
    if (!data.known()) fail("Pooling needs the shape of 'data' to infer the output");
    if (data.ndim() != 4)
      fail("data shape ", data.str(), " is not 4-D (batch, channel, height, width) as 2-D pooling needs");
    if (!global_ && (data[2] + 2 * geometry_.pad_h < geometry_.kernel_h ||
                     data[3] + 2 * geometry_.pad_w < geometry_.kernel_w))
      fail("kernel ", Shape{geometry_.kernel_h, geometry_.kernel_w}.str(), " exceeds data shape ", data.str(),
           " padded by ", Shape{geometry_.pad_h, geometry_.pad_w}.str());
    const PoolShape g = geometry(data);
    out[0] = Shape{data[0], data[1], g.out_h, g.out_w};
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], pooling_forward(geometry(in[0].shape()), in[0].f32(), out[0].f32()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    FB_DISPATCH(in[0], pooling_backward(geometry(in[0].shape()), in[0].f32(), out[0].f32(), out_grad[0].f32(),
                                        in_grad[0].f32()));
  }

 private:
  PoolShape geometry(const Shape& data) const {
    PoolShape g = geometry_;
    g.batch = data[0];
    g.channels = data[1];
    g.in_h = data[2];
    g.in_w = data[3];
    if (global_) {
      g.kernel_h = g.in_h;
      g.kernel_w = g.in_w;
      g.out_h = g.out_w = 1;
      return g;
    }
    // "full" rounds the window count up (ceil), so a last partial window counts.
    auto outputs = [&](int64_t size, int64_t kernel, int64_t stride, int64_t pad) {
      const int64_t span = size + 2 * pad - kernel;
      return 1 + (full_ ? (span + stride - 1) / stride : span / stride);
    };
    g.out_h = outputs(g.in_h, g.kernel_h, g.stride_h, g.pad_h);
    g.out_w = outputs(g.in_w, g.kernel_w, g.stride_w, g.pad_w);
    return g;
  }

  bool global_ = false;
  bool full_ = false;
  PoolShape geometry_;  // everything but the data shape
};

}  // namespace

std::unique_ptr<Operator> make_pooling(const Attrs& attrs) { return std::make_unique<Pooling>(attrs); }

}  // namespace fitbench::ops

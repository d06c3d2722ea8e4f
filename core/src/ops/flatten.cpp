// Flatten: (N, d1, d2, ...) -> (N, d1 * d2 * ...). The data is already laid
// out that way, so forward and backward are copies.
#include "copy_op.h"
#include "fitbench/attr_reader.h"
#include "ops/ops.h"

namespace fitbench::ops {

namespace {

class Flatten final : public CopyOperator {
 public:
  explicit Flatten(const Attrs& attrs) { AttrReader(type(), attrs).reject_unknown(); }

  const char* type() const override { return "Flatten"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    const Shape& data = in[0];
    if (!data.known()) return;
    const Shape flat{data[0], data.ndim() > 1 ? data.size() / data[0] : 1};
    if (out[0].known() && out[0] != flat)
      fail("Flatten output shape ", out[0].str(), " does not match data shape ", data.str(), " flattened to ",
           flat.str());
    out[0] = flat;
  }
};

}  // namespace

std::unique_ptr<Operator> make_flatten(const Attrs& attrs) { return std::make_unique<Flatten>(attrs); }

}  // namespace fitbench::ops

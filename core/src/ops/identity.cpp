// _copy (alias identity): y = x, dx = dy.
#include "copy_op.h"
#include "fitbench/attr_reader.h"
#include "ops/ops.h"
#include "ops/same_shape.h"

namespace fitbench::ops {

namespace {

class Identity final : public CopyOperator {
 public:
  explicit Identity(const Attrs& attrs) { AttrReader(type(), attrs).reject_unknown(); }

  const char* type() const override { return "_copy"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }
};

}  // namespace

std::unique_ptr<Operator> make_identity(const Attrs& attrs) { return std::make_unique<Identity>(attrs); }

}  // namespace fitbench::ops

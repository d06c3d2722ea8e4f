// Operators whose output holds the input's values unchanged, only viewed
// through another shape (Flatten, _copy): forward and backward are copies.
#pragma once

#include "fitbench/operator.h"

namespace fitbench::ops {

class CopyOperator : public Operator {
 public:
  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) final {
    out[0].copy_from(in[0]);
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>&,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad, const std::vector<GradReq>& req,
                const std::vector<Tensor>&) final {
    if (req[0] == GradReq::Write) in_grad[0].copy_from(out_grad[0]);
  }
};

}  // namespace fitbench::ops

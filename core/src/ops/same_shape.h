// Shape inference shared by operators whose output has their input's shape
// (Activation, LeakyReLU, Dropout, _copy).
#pragma once

#include "fitbench/error.h"
#include "fitbench/tensor.h"

namespace fitbench::ops {

// Copies whichever of `in` / `out` is known into the other; leaves both alone
// when neither is known, so the Executor can report the missing input.
inline void infer_same_shape(const char* op, Shape& in, Shape& out) {
  if (in.known() && out.known() && in != out)
    fail(op, ": output shape ", out.str(), " differs from data shape ", in.str());
  if (in.known())
    out = in;
  else if (out.known())
    in = out;
}

}  // namespace fitbench::ops

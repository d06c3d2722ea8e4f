// Shape inference helpers shared by operators.
#pragma once

#include "fitbench/error.h"
#include "fitbench/tensor.h"

namespace fitbench::ops {

// For outputs with the input's shape (Activation, LeakyReLU, Dropout, _copy).
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

// Fills an unknown parameter shape, or checks a known one against what the
// layer needs; `layout` names the dimensions for the message.
inline void expect_shape(Shape& actual, const Shape& expected, const char* name, const char* layout) {
  if (!actual.known())
    actual = expected;
  else if (actual != expected)
    fail(name, " shape ", actual.str(), " does not match expected ", expected.str(), " ", layout);
}

}  // namespace fitbench::ops

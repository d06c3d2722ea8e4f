// The training and validation iterators fit.py's data arguments describe
// (--data-train, --data-val, --num-examples, --benchmark, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fitbench/data_iter.h"
#include "fitbench/fit_args.h"

namespace fitbench {

struct FitData {
  std::unique_ptr<DataIter> train;
  std::unique_ptr<DataIter> val;  // null without validation data
};

// Throws Error naming the argument and the file when the data cannot be read
// or does not match --image-shape.
FitData make_fit_data(const FitArgs& args, const std::vector<int>& image_shape, uint64_t seed);

}  // namespace fitbench

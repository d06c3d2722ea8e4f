// numpy 1.23's argpartition of one float32 row, which MXNet 1.9.1's
// TopKAccuracy uses to pick each row's top k classes. Where values tie at the
// k boundary, or are NaN, the classes that land in the top k depend on the
// exact swaps numpy's introselect makes, so this follows them step by step.
#pragma once

#include <cstdint>

namespace fitbench {

// np.argpartition(row[:n], kth) (kind 'introselect', numpy 1.23): fills
// order[0..n) with the class indices in the order numpy leaves them. NaN ranks
// above every other value, as numpy sorts it. Needs 0 <= kth < n.
void numpy_argpartition(const float* row, int64_t n, int64_t kth, int64_t* order);

}  // namespace fitbench

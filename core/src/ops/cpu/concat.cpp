// Concat of K inputs along axis `dim`. With outer = prod(shape[:dim]) and
// width_k = shape_k[dim] * prod(shape[dim+1:]), input k is (outer, width_k)
// and the output (outer, W), W = sum_k width_k:
//
//   out[o, off_k + j] = in_k[o, j]        off_k = width_0 + ... + width_{k-1}
//   din_k[o, j]       = dout[o, off_k + j]
#include "ops/kernels/concat.h"

#include <algorithm>
#include <numeric>

namespace fitbench::cpu {

namespace {

// f(k, o, offset of row o of input k inside the output) for every input row.
template <class F>
void for_each_row(const std::vector<int64_t>& widths, int64_t outer, F f) {
  const int64_t total = std::accumulate(widths.begin(), widths.end(), int64_t{0});
#pragma omp parallel for schedule(static) if (outer * total >= 16384)
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offset = o * total;
    for (size_t k = 0; k < widths.size(); ++k) {
      f(k, o, offset);
      offset += widths[k];
    }
  }
}

}  // namespace

void concat_forward(const std::vector<const float*>& in, const std::vector<int64_t>& widths, int64_t outer,
                    float* out) {
  for_each_row(widths, outer, [&](size_t k, int64_t o, int64_t offset) {
    std::copy_n(in[k] + o * widths[k], widths[k], out + offset);
  });
}

void concat_backward(const float* dout, const std::vector<int64_t>& widths, int64_t outer,
                     const std::vector<float*>& din) {
  for_each_row(widths, outer, [&](size_t k, int64_t o, int64_t offset) {
    if (din[k]) std::copy_n(dout + offset, widths[k], din[k] + o * widths[k]);
  });
}

}  // namespace fitbench::cpu

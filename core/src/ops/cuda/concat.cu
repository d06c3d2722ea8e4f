// Concat of K inputs along axis `dim` on the GPU. With outer = prod(shape[:dim])
// and width_k = shape_k[dim] * prod(shape[dim+1:]), input k is (outer, width_k)
// and the output (outer, W), W = sum_k width_k:
//
//   out[o, off_k + j] = in_k[o, j]        off_k = width_0 + ... + width_{k-1}
//   din_k[o, j]       = dout[o, off_k + j]
//
// Each input is one strided 2-D copy (outer rows of width_k floats) on the
// device's stream; no kernel of our own is needed.
#include "ops/kernels/concat.h"

#include <numeric>

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

// `rows` rows of `width` floats, rows `src_pitch` and `dst_pitch` floats apart.
void copy_rows(float* dst, int64_t dst_pitch, const float* src, int64_t src_pitch, int64_t width,
               int64_t rows) {
  if (width <= 0 || rows <= 0) return;
  constexpr size_t f = sizeof(float);
  const size_t width_bytes = static_cast<size_t>(width) * f;
  // One row needs no pitch; a 2-D copy would cap it at the device's maximum pitch (2 GiB).
  if (rows == 1)
    FB_CUDA_CHECK(cudaMemcpyAsync(dst, src, width_bytes, cudaMemcpyDeviceToDevice, current_stream()));
  else
    FB_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<size_t>(dst_pitch) * f, src,
                                    static_cast<size_t>(src_pitch) * f, width_bytes,
                                    static_cast<size_t>(rows), cudaMemcpyDeviceToDevice, current_stream()));
}

}  // namespace

void concat_forward(const std::vector<const float*>& in, const std::vector<int64_t>& widths, int64_t outer,
                    float* out) {
  const int64_t total = std::accumulate(widths.begin(), widths.end(), int64_t{0});
  int64_t offset = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    copy_rows(out + offset, total, in[k], widths[k], widths[k], outer);
    offset += widths[k];
  }
}

void concat_backward(const float* dout, const std::vector<int64_t>& widths, int64_t outer,
                     const std::vector<float*>& din) {
  const int64_t total = std::accumulate(widths.begin(), widths.end(), int64_t{0});
  int64_t offset = 0;
  for (size_t k = 0; k < din.size(); ++k) {
    if (din[k]) copy_rows(din[k], widths[k], dout + offset, total, widths[k], outer);
    offset += widths[k];
  }
}

}  // namespace fitbench::cuda

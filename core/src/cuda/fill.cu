// fill: x[i] = value for i in [0, n), on the device's stream.
#include "cuda/context.h"
#include "cuda/runtime.h"

namespace fitbench::cuda {

void fill(float* ptr, int device, float value, int64_t n) {
  DeviceScope scope(Device::gpu(device));
  elementwise(n, [=] __device__(int64_t i) { ptr[i] = value; });
}

}  // namespace fitbench::cuda

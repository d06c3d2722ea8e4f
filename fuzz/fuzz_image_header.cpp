// PNG and JPEG images: decode_image, whose header checks (signature, size
// against the pixel cap) come before anything is allocated. The first byte
// picks the channels asked for (0: as stored, 1: gray, 3: RGB); the cap is
// 4 megapixels so a claimed size is refused rather than decoded.
#include "fitbench/error.h"
#include "fitbench/image_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  if (size < 1) return 0;
  static constexpr int kChannels[] = {0, 1, 3};
  try {
    decode_image(data + 1, size - 1, kChannels[data[0] % 3], "fuzz-image", 4'000'000);
  } catch (const Error&) {
  }
  return 0;
}

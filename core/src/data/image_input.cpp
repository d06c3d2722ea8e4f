// image_to_input(): the validation pipeline's resize, centre crop and
// normalisation applied to one decoded image.
#include "fitbench/image_input.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "fitbench/augment.h"

namespace fitbench {

Tensor image_to_input(const Image& image, const InputFormat& format) {
  FB_ASSERT(format.height > 0 && format.width > 0);
  Image img = image;
  if (img.channels != format.channels) img = format.channels == 1 ? to_gray(img) : to_rgb(img);
  if (img.width != format.width || img.height != format.height) {
    const double s = std::max(double(format.width) / img.width, double(format.height) / img.height);
    const int w = std::max(format.width, int(std::lround(img.width * s)));
    const int h = std::max(format.height, int(std::lround(img.height * s)));
    img = resize_image(img, w, h);
    img = crop_image(img, (w - format.width) / 2, (h - format.height) / 2, format.width, format.height);
  }
  Tensor out(Shape{format.channels, format.height, format.width});
  float* dst = out.f32();
  const size_t plane = size_t(format.height) * size_t(format.width);
  for (int y = 0; y < format.height; ++y)
    for (int x = 0; x < format.width; ++x) {
      const uint8_t* px = img.at(y, x);
      for (int c = 0; c < format.channels; ++c) {
        const auto k = static_cast<size_t>(c);
        dst[k * plane + size_t(y) * size_t(format.width) + size_t(x)] =
            (static_cast<float>(px[c]) - format.mean[k]) / format.std[k];
      }
    }
  return out;
}

}  // namespace fitbench

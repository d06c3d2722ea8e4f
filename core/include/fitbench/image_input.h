// One image (a PNG or JPEG a person picked) turned into a network input the
// way a run's data arguments turn its validation images into inputs, so a
// prediction on it sees what the network saw in training.
#pragma once

#include <array>
#include <vector>

#include "fitbench/image_codec.h"
#include "fitbench/tensor.h"

namespace fitbench {

// The format of a run's inputs: input_format() (fit_data.h) reads it from the run's arguments.
struct InputFormat {
  int channels = 1, height = 28, width = 28;  // --image-shape
  // input = (pixel - mean[c]) / std[c], pixels 0..255, channels in RGB order.
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{255.f, 255.f, 255.f};
};

// `image` as a (channels, height, width) float32 tensor: gray or RGB as the
// format asks (ITU-R 601 gray), scaled with its aspect ratio kept until it
// covers height x width (bilinear, as the data pipeline resizes), centre
// cropped (as validation images are), then normalised.
Tensor image_to_input(const Image& image, const InputFormat& format);

}  // namespace fitbench
